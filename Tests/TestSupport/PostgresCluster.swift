import Foundation

/// A throwaway PostgreSQL cluster for the test run: created in a temporary directory,
/// listening on 127.0.0.1 and a free port, stopped when the test process exits.
///
/// Tests share the cluster and isolate themselves with a database each (`makeDatabase`).
public final class PostgresCluster: Sendable {
    public let directory: String
    public let port: Int
    public let binDirectory: String

    /// The cluster for this test process, started on first use.
    public static func shared() throws -> PostgresCluster {
        try sharedCluster.get()
    }

    private static let sharedCluster: Result<PostgresCluster, any Error> = Result {
        let cluster = try PostgresCluster()
        atexit { try? PostgresCluster.sharedCluster.get().stop() }
        return cluster
    }

    /// The cluster with `wal_level = logical` for this test process (logical capture),
    /// started on first use.
    public static func sharedLogical() throws -> PostgresCluster {
        try sharedLogicalCluster.get()
    }

    private static let sharedLogicalCluster: Result<PostgresCluster, any Error> = Result {
        let cluster = try PostgresCluster(settings: ["wal_level": "logical", "max_replication_slots": "50", "max_wal_senders": "50"])
        atexit { try? PostgresCluster.sharedLogicalCluster.get().stop() }
        return cluster
    }

    /// Starts a cluster of its own (for tests that restart or stop the server, or need
    /// server `settings` such as `wal_level`); call `stop()`.
    public static func start(settings: [String: String] = [:]) throws -> PostgresCluster {
        try PostgresCluster(settings: settings)
    }

    private init(settings: [String: String] = [:]) throws {
        binDirectory = try Self.findBinDirectory()
        directory = try Repository.temporaryDirectory("medallion-pg")
        port = try Self.freePort()
        let isRoot = getuid() == 0
        if isRoot {
            try Command.run("/bin/chown", ["-R", "postgres:postgres", directory])
        }
        try runAsOwner("\(binDirectory)/initdb", ["-D", directory + "/data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                                  "--locale=C.UTF-8", "--no-sync"])
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            + "-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB"
            + settings.sorted { $0.key < $1.key }.map { " -c \($0.key)=\($0.value)" }.joined()
        try runAsOwner("\(binDirectory)/pg_ctl", ["-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "60",
                                                  "-o", options, "start"])
    }

    /// A connection string for `database` as the superuser.
    public func dsn(database: String = "postgres", user: String = "postgres") -> String {
        "host=127.0.0.1 port=\(port) dbname=\(database) user=\(user)"
    }

    /// Creates a new, empty database with a unique name and returns its name.
    public func makeDatabase(_ prefix: String = "test") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres", user: String = "postgres") throws -> String {
        let result = try Command.run("\(binDirectory)/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                                                              "-d", dsn(database: database, user: user), "-c", sql])
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a SQL file with psql.
    public func psqlFile(_ path: String, database: String) throws {
        try Command.run("\(binDirectory)/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn(database: database), "-f", path])
    }

    /// Stops the server and removes its files.
    public func stop() throws {
        _ = try? runAsOwner("\(binDirectory)/pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Restarts the server (fast shutdown), as an operator or a crash would.
    public func restart(mode: String = "fast") throws {
        try runAsOwner("\(binDirectory)/pg_ctl", ["-D", directory + "/data", "-m", mode, "-w", "-t", "60", "restart"])
    }

    @discardableResult
    private func runAsOwner(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        if getuid() == 0 {
            return try Command.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        }
        return try Command.run(executable, arguments)
    }

    private static func findBinDirectory() throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["MEDALLION_PG_BIN"], "/usr/lib/postgresql/15/bin"]
        for case let candidate? in candidates where FileManager.default.isExecutableFile(atPath: candidate + "/initdb") {
            return candidate
        }
        throw HarnessError("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/15/bin; run scripts/setup or set MEDALLION_PG_BIN.")
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw HarnessError("bind() to 127.0.0.1 failed") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
