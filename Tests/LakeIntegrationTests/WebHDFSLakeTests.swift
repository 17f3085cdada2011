import Foundation
import Testing
import TestSupport
@testable import Lake

@Suite("WebHDFS lake (against the protocol double)")
struct WebHDFSLakeTests {
    @Test("the shared round trip passes on WebHDFS and leaves no temporary files")
    func roundTrip() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        try LakeRoundTrip.exercise(lake)
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: double.local("/lake"))
            .filter { $0.split(separator: "/").last?.hasPrefix(".") == true }
        #expect(leftovers.isEmpty)
        try lake.delete("")
        #expect(!FileManager.default.fileExists(atPath: double.local("/lake")))
    }

    @Test("an atomic write is CREATE, the datanode PUT and one RENAME: no status round trips")
    func writeRequests() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        try lake.writeAtomically("bronze/orders/date=2026-11-26/part-1.parquet", data: Array(repeating: 9, count: 1000))
        try double.resetStats()
        let before = lake.requestCount
        try lake.writeAtomically("bronze/orders/date=2026-11-26/part-1.parquet", data: [1, 2, 3])
        try lake.writeAtomically("bronze/orders/date=2026-11-27/part-2.parquet", data: [4])
        #expect(try double.requests() == ["namenode:CREATE": 2, "datanode:CREATE": 2, "namenode:RENAME": 2])
        #expect(lake.requestCount - before == 6)
        #expect(FileManager.default.contents(atPath: double.local("/lake/bronze/orders/date=2026-11-26/part-1.parquet"))
                == Data([1, 2, 3]))
        #expect(try double.stats()["users"] as? [String] == ["medallion"])
    }

    @Test("a read follows the redirect to the datanode and streams the file")
    func streamedRead() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        let data = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }
        try lake.writeAtomically("gold/big.bin", data: data)
        try double.resetStats()
        var chunks = 0
        var received: [UInt8] = []
        try lake.read("gold/big.bin", chunk: { chunks += 1; received.append(contentsOf: $0) })
        #expect(received == data)
        #expect(chunks > 1)
        #expect(try double.requests() == ["namenode:OPEN": 1, "datanode:OPEN": 1])
        #expect(try lake.read("gold/big.bin") == data)
        #expect(try lake.status("gold/big.bin")?.size == data.count)
        #expect(try lake.status("gold/none") == nil)
    }

    @Test("a large directory is listed in LISTSTATUS_BATCH pages")
    func batchedListing() throws {
        let double = try WebHDFSDouble(listLimit: 4)
        let lake = double.lake()
        let names = (0..<10).map { String(format: "part-%02d", $0) }
        for name in names.reversed() { try lake.writeAtomically("bronze/t/\(name)", data: [1]) }
        try double.resetStats()
        #expect(try lake.list("bronze/t").map(\.name) == names)
        #expect(try double.requests() == ["namenode:LISTSTATUS_BATCH": 3])
        #expect(try lake.list("bronze/t/part-01").isEmpty)  // a file, not a directory
        #expect(try lake.list("bronze/none").isEmpty)
    }

    @Test("locations: webhdfs and swebhdfs URLs, HA lists, default ports; user and token from the environment")
    func locations() throws {
        let environment = ["USER": "postgres", "MEDALLION_HDFS_TOKEN": "secret-token", "MEDALLION_HDFS_RETRIES": "2",
                           "MEDALLION_HDFS_CONNECT_TIMEOUT": "1500ms", "MEDALLION_HDFS_TIMEOUT": "1m"]
        let lake = try #require(try LakeLocation.open("webhdfs://nn1:9870,nn2/data/lake/", currentDirectory: "/",
                                                      environment: environment) as? WebHDFSLake)
        #expect(lake.description == "webhdfs://nn1:9870,nn2:9870/data/lake")
        #expect(lake.configuration.namenodes == [.init(host: "nn1", port: 9870), .init(host: "nn2", port: 9870)])
        #expect(lake.configuration.root == "/data/lake")
        #expect(lake.configuration.user == "postgres" && lake.configuration.delegationToken == "secret-token")
        #expect(lake.configuration.retries == 2)
        #expect(lake.configuration.connectTimeout == .milliseconds(1500) && lake.configuration.transferTimeout == .seconds(60))
        #expect(!lake.description.contains("secret"))

        let tls = try WebHDFSLake.Configuration(location: "swebhdfs://secure.example.com/lake",
                                                environment: ["MEDALLION_HDFS_USER": "etl", "USER": "root"])
        #expect(tls.useTLS && tls.namenodes == [.init(host: "secure.example.com", port: 9871)] && tls.user == "etl")
        #expect(tls.delegationToken == nil)

        for bad in ["webhdfs://nn:9870", "webhdfs://nn:9870/", "webhdfs://nn:port/lake", "webhdfs://,nn/lake",
                    "webhdfs://user@nn:9870/lake", "webhdfs://nn:9870/lake?x=1"] {
            #expect(throws: LakeError.self, "\(bad)") { try LakeLocation.open(bad, currentDirectory: "/", environment: [:]) }
        }
        #expect(throws: LakeError.self) {
            try WebHDFSLake.Configuration(location: "webhdfs://nn/lake", environment: ["MEDALLION_HDFS_TIMEOUT": "soon"])
        }
    }

    @Test("a delegation token replaces user.name and never appears in errors")
    func delegationToken() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake(user: "ignored", token: "tok-SECRET-123")
        try lake.writeAtomically("a/file", data: [1])
        #expect(try lake.read("a/file") == [1])
        let stats = try double.stats()
        #expect(stats["delegation_tokens"] as? [String] == ["tok-SECRET-123"])
        #expect(stats["users"] as? [String] == [])
        try double.fail("permission", ops: ["CREATE"])
        let error = try #require(throws: LakeError.self) { try lake.writeAtomically("a/file", data: [2]) }
        #expect(error.code == .permissionDenied)
        #expect(!error.message.contains("SECRET"))
    }

    @Test("HA: a refused namenode and a standby one are skipped, and a failover is followed")
    func highAvailability() throws {
        let double = try WebHDFSDouble(namenodes: 2, active: 1)
        let dead = try PostgresCluster.freePort()
        let lake = double.lake(namenodes: [dead] + double.namenodePorts)
        try lake.writeAtomically("bronze/bookmark", data: [1])
        // The refused one and the standby one were tried once; then the active one is remembered.
        try double.resetStats()
        try lake.writeAtomically("bronze/bookmark", data: [2])
        #expect(try double.requests() == ["namenode:CREATE": 1, "datanode:CREATE": 1, "namenode:RENAME": 1])
        try double.setActive(0)
        try lake.writeAtomically("bronze/bookmark", data: [3])
        #expect(try lake.read("bronze/bookmark") == [3])
        #expect(try double.stats()["injected"] as? Int == 0)
    }

    @Test("transient failures are retried until they pass", arguments: [
        ("500", "namenode", "CREATE"), ("500", "datanode", "CREATE"), ("reset", "namenode", "RENAME"),
        ("reset", "datanode", "OPEN"), ("safemode", "namenode", "CREATE"), ("standby", "namenode", "LISTSTATUS_BATCH"),
        ("slow", "namenode", "OPEN"), ("500", "namenode", "DELETE"),
    ])
    func transientFailures(_ mode: String, _ target: String, _ op: String) throws {
        let double = try WebHDFSDouble()
        let lake = double.lake(transferTimeout: .milliseconds(800))
        try lake.writeAtomically("t/file", data: [1, 2])
        try double.fail(mode, count: 2, target: target, ops: [op], seconds: 3)
        switch op {
        case "OPEN": #expect(try lake.read("t/file") == [1, 2])
        case "LISTSTATUS_BATCH": #expect(try lake.list("t").map(\.name) == ["file"])
        case "DELETE":
            try lake.delete("t/file")
            #expect(try lake.list("t").isEmpty)
        default:
            try lake.writeAtomically("t/file", data: [3])
            #expect(try lake.read("t/file") == [3])
        }
        #expect(try double.stats()["injected"] as? Int == 2)
    }

    @Test("a namenode that refuses connections for a while is waited for")
    func refusedThenBack() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake(retries: 8)
        try lake.writeAtomically("t/file", data: [1])
        try double.fail("refuse", seconds: 0.6)
        try lake.writeAtomically("t/file", data: [2])
        #expect(try lake.read("t/file") == [2])
    }

    @Test("a rename that happened but whose answer was lost is not an error")
    func lostRenameAnswer() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        try lake.writeAtomically("t/bookmark", data: [1])
        try double.fail("drop-answer", count: 1, ops: ["RENAME"])
        try lake.writeAtomically("t/bookmark", data: [2])
        #expect(try lake.read("t/bookmark") == [2])
        #expect(try lake.list("t").map(\.name) == ["bookmark"])
    }

    @Test("permanent failures are not retried and name the path and the fix")
    func permanentFailures() throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        try lake.writeAtomically("bronze/x", data: [1])

        try double.fail("permission", ops: ["CREATE"])
        let before = lake.requestCount
        let denied = try #require(throws: LakeError.self) { try lake.writeAtomically("bronze/orders/part-1", data: [1]) }
        #expect(denied.code == .permissionDenied)
        #expect(denied.message.contains("/lake/bronze/orders/part-1") && denied.message.contains("user 'medallion'"))
        #expect(lake.requestCount - before == 1)
        try double.clear()

        try double.fail("quota", target: "datanode", ops: ["CREATE"])
        let quota = try #require(throws: LakeError.self) { try lake.writeAtomically("bronze/orders/part-2", data: [1]) }
        #expect(quota.code == .quotaExceeded)
        #expect(quota.message.contains("/lake/bronze/orders/part-2") && quota.message.contains("quota"))
        try double.clear()

        let missing = try #require(throws: LakeError.self) { try lake.read("bronze/none") }
        #expect(missing.code == .notFound && missing.message.contains("/lake/bronze/none"))
        let missingRename = try #require(throws: LakeError.self) { try lake.rename("bronze/none", to: "bronze/y") }
        #expect(missingRename.code == .notFound)
        #expect(try lake.listFilesRecursively("").map(\.path) == ["bronze/x"])
    }

    @Test("a lasting outage gives up after the retry limit with an unavailable error", arguments: ["500", "safemode", "dead"])
    func lastingOutage(_ mode: String) throws {
        let double = try WebHDFSDouble()
        let lake = mode == "dead" ? double.lake(namenodes: [try PostgresCluster.freePort(), try PostgresCluster.freePort()], retries: 2)
            : double.lake(retries: 2)
        if mode != "dead" { try double.fail(mode) }
        let error = try #require(throws: LakeError.self) { try lake.writeAtomically("bronze/bookmark", data: [1]) }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("/lake/bronze/bookmark") && error.message.contains("gave up after 3 attempts"))
        if mode == "safemode" { #expect(error.message.contains("safe mode")) }
        if mode == "dead" { #expect(error.message.contains("is up and reachable")) }
        if mode == "500" { #expect(lake.requestCount == 3) }
    }

    @Test("rename replaces the target and creates its parent, also on a server without renameoptions",
          arguments: [false, true])
    func renameSemantics(_ legacyServer: Bool) throws {
        let double = try WebHDFSDouble()
        let lake = double.lake()
        if legacyServer { try double.fail("ignore-renameoptions", ops: ["RENAME"]) }
        try lake.writeAtomically("a/one", data: [1])
        try lake.writeAtomically("a/one", data: [2])  // replaces through RENAME
        try lake.writeAtomically("a/two", data: [3])
        try lake.rename("a/two", to: "a/one")
        #expect(try lake.read("a/one") == [3])
        try lake.rename("a/one", to: "b/c/one")
        #expect(try lake.listFilesRecursively("").map(\.path) == ["b/c/one"])
        #expect(try lake.read("b/c/one") == [3])
    }

    @Test("HdfsCLI reads what we wrote, and we read what it wrote, through the double")
    func hdfsCLI() throws {
        try PythonTool.requireModules(["hdfs"])
        let double = try WebHDFSDouble()
        let lake = double.lake()
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        try lake.writeAtomically("from-swift/data.bin", data: data)
        let result = try PythonTool.runJSON(PythonTool.script("hdfs_cli_check.py"),
                                            ["http://127.0.0.1:\(double.namenodePorts[0])", "/lake", "medallion"])
        let digest = try Command.run("/usr/bin/sha256sum", [double.local("/lake/from-swift/data.bin")]).output.prefix(64)
        #expect(result["swift_file_sha256"] as? String == String(digest))
        #expect(result["swift_file_length"] as? Int == data.count)
        #expect(result["listed"] as? [String] == ["first.txt", "nested"])
        #expect(result["ranged_read"] as? String == "again")
        #expect(result["status_type"] as? String == "DIRECTORY")
        #expect(result["missing_status"] is NSNull)
        #expect((result["rename_missing"] as? String)?.contains("no error") == false)
        #expect((result["read_missing"] as? String)?.contains("File does not exist") == true)
        #expect(result["deleted"] as? Bool == true && result["deleted_again"] as? Bool == false)
        #expect(result["after"] as? [String] == ["final.txt"])
        #expect(try lake.read("from-cli/final.txt") == Array("hello again from hdfscli".utf8))
        #expect(try lake.list("from-cli").map(\.name) == ["final.txt"])
    }
}
