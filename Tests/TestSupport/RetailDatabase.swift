import Foundation
import Logging
import Lake
import Retail
import CDC
import Postgres

/// A fresh retail database on the shared test cluster, with a lake directory beside it.
public struct RetailDatabase: Sendable {
    public let cluster: PostgresCluster
    public let name: String
    public let lakeDirectory: String

    /// The capture mode tests install (on a cluster with `wal_level = logical` for logical).
    public let mode: CaptureMode

    public init(capture: Bool = true, snapshot: Bool = true, mode: CaptureMode = .trigger) throws {
        self.mode = mode
        cluster = try mode == .logical ? PostgresCluster.sharedLogical() : PostgresCluster.shared()
        name = try cluster.makeDatabase("retail")
        lakeDirectory = try Repository.temporaryDirectory("medallion-lake")
        try cluster.psqlFile(Repository.root + "/sql/retail.sql", database: name)
        if capture {
            try install(TableName.retailDefaults, snapshot: snapshot)
        }
    }

    /// Installs capture of `tables` in this database's mode.
    @discardableResult
    public func install(_ tables: [TableName], snapshot: Bool = true) throws -> [String] {
        var options = CaptureInstaller.Options()
        options.snapshot = snapshot
        options.capture = mode
        options.dsn = dsn
        return try CaptureInstaller(connection: connect()).install(tables, options: options)
    }

    public var dsn: String { cluster.dsn(database: name) }
    public var lakeURL: String { "file://" + lakeDirectory }
    public var lake: LocalLake { LocalLake(root: lakeDirectory) }

    public func connect() throws -> PostgresConnection {
        try PostgresConnection(dsn: dsn)
    }

    @discardableResult
    public func sql(_ text: String) throws -> String {
        try cluster.psql(text, database: name)
    }

    /// Inserts `count` orders with a NEW history row each, in one transaction.
    public func insertOrders(_ count: Int, branch: String = "branch-01") throws {
        try sql("""
            WITH o AS (
                INSERT INTO orders (branch, customer, amount, status)
                SELECT '\(branch)', 'customer-' || g, (g % 1000) + 0.25, 'NEW' FROM generate_series(1, \(count)) g
                RETURNING id)
            INSERT INTO ordershistory (order_id, status) SELECT id, 'NEW' FROM o
            """)
    }

    /// Runs `medallion verify` in-process, waiting for bronze to catch up.
    public func verify(timeout: Duration = .seconds(30), tables: [TableName] = TableName.retailDefaults) throws -> VerifyReport {
        var options = Verifier.Options()
        options.timeout = timeout
        return try Verifier(connection: connect(), lake: lake, options: options).verify(tables)
    }

    /// Environment for the `medallion` executable.
    public var environment: [String: String] {
        ["MEDALLION_DSN": dsn, "MEDALLION_LAKE": lakeURL, "MEDALLION_LOG_LEVEL": "info", "MEDALLION_METRICS_ADDRESS": "127.0.0.1:0", "MEDALLION_STAGES": "off"]
    }

    /// Starts `medallion run` as a child process and waits until it has caught up.
    public func startDaemon(_ extra: [String: String] = [:], arguments: [String] = [], waitUntilReady: Bool = true) throws -> ChildProcess {
        let daemon = try ChildProcess(Repository.medallionExecutable(), ["run"] + arguments,
                                      environment: environment.merging(["MEDALLION_MAX_DELAY": "50ms"]) { $1 }.merging(extra) { $1 })
        if waitUntilReady { try daemon.waitForOutput("caught up to bookmark") }
        return daemon
    }

    /// Runs a `medallion` subcommand to completion.
    public func medallion(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        try Command.run(Repository.medallionExecutable(), arguments, environment: environment.merging(extra) { $1 }, check: false)
    }

    /// Runs the retail simulator on a thread of its own at `rate` orders/s, each status
    /// step after `delay` seconds; call the returned closure to stop it and wait for it.
    public func startSimulator(rate: Double, delay: ClosedRange<Double>) -> () -> Void {
        var configuration = RetailSimulator.Configuration(dsn: dsn)
        configuration.rate = rate
        configuration.transitDelay = delay
        configuration.deliveryDelay = delay
        let simulator = RetailSimulator(configuration: configuration)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            try? simulator.run()
            finished.signal()
        }.start()
        return {
            simulator.stop()
            finished.wait()
        }
    }

    public func drop() {
        if mode == .logical {
            // A database with a replication slot cannot be dropped.
            let slots = "FROM pg_replication_slots WHERE database = '\(name)'"
            _ = try? cluster.psql("SELECT pg_terminate_backend(active_pid) \(slots) AND active_pid IS NOT NULL")
            try? Poll.until("the slot's walsender to end", timeout: 5, interval: 0.05) {
                try cluster.psql("SELECT count(*) \(slots) AND active") == "0"
            }
            _ = try? cluster.psql("SELECT pg_drop_replication_slot(slot_name) \(slots)")
        }
        _ = try? cluster.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        try? FileManager.default.removeItem(atPath: lakeDirectory)
    }
}

/// Runs the capture daemon in-process on its own thread for the length of `body`. When
/// `body` fails after the daemon stopped with an error (a verify that timed out because
/// capture died), the error names the daemon's first.
public func withDaemon<T>(_ database: RetailDatabase, maxDelay: Duration = .milliseconds(50), pollInterval: Duration = .seconds(5),
                          maxBatchBytes: Int? = nil,
                          logLevel: Logger.Level = .warning, onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in },
                          _ body: (CaptureDaemon) throws -> T) throws -> T {
    var configuration = CaptureDaemon.Configuration(dsn: database.dsn, lake: database.lake)
    configuration.maxDelay = maxDelay
    if let maxBatchBytes { configuration.maxBatchBytes = maxBatchBytes }
    configuration.pollInterval = pollInterval
    var logger = Logger(label: "test.capture")
    logger.logLevel = logLevel
    let daemon = CaptureDaemon(configuration: configuration, logger: logger, onCommit: onCommit)
    let finished = DispatchSemaphore(value: 0)
    let failure = LockedBox<(any Error)?>(nil)
    Thread {
        do { try daemon.runBlocking() } catch { failure.value = error }
        finished.signal()
    }.start()
    defer {
        daemon.stop()
        finished.wait()
    }
    let result: T
    do {
        result = try body(daemon)
    } catch {
        if let daemonError = failure.value { throw HarnessError("the capture daemon stopped: \(daemonError); then: \(error)") }
        throw error
    }
    if let error = failure.value { throw error }
    return result
}

public final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    public init(_ value: Value) { stored = value }
    public var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
