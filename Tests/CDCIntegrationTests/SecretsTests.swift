import Foundation
import Testing
import TestSupport
@testable import CDC

/// Passwords and tokens never leave the places they were given in: no command prints, logs
/// or stores them, in working or broken configurations.
@Suite("Secrets", .serialized)
struct SecretsTests {
    static let dsnPassword = "MARKER-DSN-PW-7f3a"
    static let pgPassword = "MARKER-PGPASSWORD-91c2"
    static let hdfsToken = "MARKER-HDFS-TOKEN-55d0"

    @Test("no output, log line or lake file of any command holds the DSN password, PGPASSWORD or the WebHDFS token")
    func noSecretsAnywhere() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let stageLogs = try Repository.temporaryDirectory("medallion-secrets-logs")
        defer { try? FileManager.default.removeItem(atPath: stageLogs) }
        // The test cluster trusts local connections, so these passwords are carried but not needed.
        let secrets = [
            "MEDALLION_DSN": database.dsn + " password=\(Self.dsnPassword)",
            "PGPASSWORD": Self.pgPassword,
            "MEDALLION_HDFS_TOKEN": Self.hdfsToken,
            "MEDALLION_LOG_LEVEL": "trace",
            "MEDALLION_STAGE_LOG_DIR": stageLogs,
        ]
        var seen: [(String, String)] = []
        @discardableResult
        func medallion(_ arguments: [String], _ extra: [String: String] = [:]) throws -> CommandResult {
            let result = try database.medallion(arguments, environment: secrets.merging(extra) { $1 })
            seen.append(("medallion \(arguments.joined(separator: " ")) \(extra)", result.output + result.error))
            return result
        }

        // Working configuration.
        #expect(try medallion(["install", "--streamer-role", "medallion_streamer"]).status == 0)
        let daemon = try database.startDaemon(secrets)
        try database.insertOrders(5)
        #expect(try medallion(["verify"]).status == 0)
        try medallion(["status"])
        try medallion(["status", "--json"])
        try medallion(["verify", "--json"])
        try medallion(["simulate", "--orders", "3", "--rate", "100", "--delays", "0-0.1"])
        daemon.signal(SIGTERM)
        _ = try daemon.waitForExit()
        seen.append(("medallion run", daemon.output))

        // Broken ones: a malformed string that libpq would quote, a URI, a server that is not
        // there, a role that does not exist, a WebHDFS lake that does not answer.
        let freePort = try PostgresCluster.freePort()
        let broken: [[String: String]] = [
            ["MEDALLION_DSN": "host=127.0.0.1 password=hunter2 \(Self.dsnPassword)"],
            ["MEDALLION_DSN": "host=127.0.0.1 password='\(Self.dsnPassword)"],
            ["MEDALLION_DSN": "postgresql://u:\(Self.dsnPassword)@127.0.0.1:\(freePort)/db?nosuch=\(Self.dsnPassword)"],
            ["MEDALLION_DSN": "host=127.0.0.1 port=\(freePort) connect_timeout=2 password=\(Self.dsnPassword)"],
            ["MEDALLION_DSN": database.cluster.dsn(database: database.name, user: "nosuchrole") + " password=\(Self.dsnPassword)"],
            ["MEDALLION_LAKE": "webhdfs://127.0.0.1:\(freePort)/lake", "MEDALLION_HDFS_RETRIES": "0",
             "MEDALLION_HDFS_CONNECT_TIMEOUT": "1s"],
        ]
        for configuration in broken {
            try medallion(["status"], configuration)
            try medallion(["status", "--json"], configuration)
            try medallion(["verify", "--timeout", "2s"], configuration)
            if configuration["MEDALLION_LAKE"] == nil && configuration["MEDALLION_DSN"]?.contains("port=\(freePort)") != true {
                // A configuration no retry can fix ends run at once (unreachable servers are retried).
                let run = try ChildProcess(Repository.medallionExecutable(), ["run"],
                                           environment: database.environment.merging(secrets) { $1 }.merging(configuration) { $1 })
                let status = try? run.waitForExit(timeout: 30)
                #expect(status != nil && status != 0, "run kept retrying \(configuration)")
                seen.append(("medallion run \(configuration)", run.output))
                try medallion(["install"], configuration)
            }
        }

        var files: [(String, String)] = []
        for directory in [database.lakeDirectory, stageLogs] {
            for path in FileManager.default.enumerator(atPath: directory)?.compactMap({ $0 as? String }) ?? [] {
                let full = directory + "/" + path
                if let data = FileManager.default.contents(atPath: full) {
                    files.append((full, String(decoding: data, as: UTF8.self)))
                }
            }
        }
        #expect(files.count > 3, "the lake and logs were written: \(files.map(\.0))")
        for (place, text) in seen + files {
            for secret in [Self.dsnPassword, Self.pgPassword, Self.hdfsToken] {
                #expect(!text.contains(secret), "\(secret) leaked into \(place)")
            }
        }
    }
}
