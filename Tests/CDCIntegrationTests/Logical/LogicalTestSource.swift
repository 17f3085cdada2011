import Foundation
import TestSupport
@testable import CDC
import Postgres

/// A database on a cluster with `wal_level = logical`, with a publication and a
/// pgoutput slot, and a reader of the slot's stream.
final class LogicalTestSource {
    /// One cluster for the suites that need logical decoding (wal_level needs a restart).
    static func cluster() throws -> PostgresCluster { try sharedCluster.get() }

    private static let sharedCluster: Result<PostgresCluster, any Error> = Result {
        let cluster = try PostgresCluster.start(settings: ["wal_level": "logical", "max_replication_slots": "20",
                                                           "max_wal_senders": "20"])
        atexit { try? LogicalTestSource.sharedCluster.get().stop() }
        return cluster
    }

    let cluster: PostgresCluster
    let database: String
    let slot: String
    let publication = "medallion_pub"
    let sql: PostgresConnection

    /// Creates the database, runs `schema`, publishes `tables` and creates the slot.
    init(schema: String, tables: [String]) throws {
        cluster = try Self.cluster()
        database = try cluster.makeDatabase("logical")
        slot = "slot_" + database.suffix(8)
        sql = try PostgresConnection(dsn: cluster.dsn(database: database))
        try sql.executeScript(schema)
        try sql.execute("CREATE PUBLICATION \(publication) FOR TABLE \(tables.joined(separator: ", "))")
        let replication = try ReplicationConnection(dsn: cluster.dsn(database: database))
        defer { replication.close() }
        _ = try replication.createSlot(slot)
    }

    func drop() {
        // An active slot cannot be dropped, and a database with a slot cannot be either.
        try? waitForSlotToBeFree()
        sql.close()
        _ = try? cluster.psql("SELECT pg_drop_replication_slot('\(slot)')", database: database)
        _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
    }

    /// Opens a stream of the slot (`options` go into the connection string, e.g. a short
    /// `wal_sender_timeout`), once the slot is free.
    func stream(binary: Bool = false, options: String? = nil) throws -> LogicalTestStream {
        try waitForSlotToBeFree()
        // Text output of timestamptz follows the walsender's TimeZone.
        let dsn = cluster.dsn(database: database) + " options='-c TimeZone=UTC \(options ?? "")'"
        let connection = try ReplicationConnection(dsn: dsn)
        try connection.startReplication(slot: slot, publications: [publication], binary: binary)
        return LogicalTestStream(connection)
    }

    /// A stream closed just before may still hold the slot for a moment: its walsender has
    /// not exited yet ("slot is active for PID").
    func waitForSlotToBeFree() throws {
        try Poll.until("the slot's previous walsender to let it go") {
            try sql.execute("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slot]).scalar == "f"
        }
    }

    func confirmedFlush() throws -> LSN? {
        try sql.execute("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", [slot]).scalar.flatMap { LSN($0) }
    }
}

/// One committed transaction as the stream delivered it.
struct ReceivedTransaction {
    var begin: PgOutputMessage.Begin
    var changes: [LogicalChange]
    var commit: LogicalStreamStateMachine.CommittedTransaction
}

/// Reads a started stream through the state machine, answering the server's reply
/// requests unless told not to.
final class LogicalTestStream {
    let connection: ReplicationConnection
    var machine = LogicalStreamStateMachine()
    var answersKeepalives = true
    private(set) var repliesSent = 0
    private var open: ReceivedTransaction?

    init(_ connection: ReplicationConnection) {
        self.connection = connection
    }

    func close() { connection.close() }

    /// Reads until `count` transactions have committed.
    func transactions(_ count: Int, timeout: Double = 30) throws -> [ReceivedTransaction] {
        var done: [ReceivedTransaction] = []
        try read(timeout: timeout, what: "\(count) transactions") { action in
            switch action {
            case .begin(let begin):
                self.open = ReceivedTransaction(begin: begin, changes: [],
                                                commit: .init(xid: 0, commitLSN: .zero, endLSN: .zero, commitTime: 0, changeCount: 0))
            case .change(let change):
                self.open?.changes.append(change)
            case .commit(let commit):
                if var transaction = self.open {
                    transaction.commit = commit
                    done.append(transaction)
                }
                self.open = nil
            case .relation, .sendStatus, nil:
                break
            }
            return done.count >= count
        }
        return done
    }

    /// Reads until `condition` holds after an action, or the server ends the stream
    /// (returns false then); throws after `timeout` seconds.
    @discardableResult
    func read(timeout: Double, what: String, until condition: (LogicalStreamStateMachine.Action?) throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let received = try connection.receive(timeout: deadline.timeIntervalSinceNow) { bytes in
                try ReplicationMessage(decoding: bytes)
            }
            switch received {
            case .message(let message):
                var actions: [LogicalStreamStateMachine.Action] = []
                try machine.receive(message, now: StandbyStatusUpdate.clockNow()) { actions.append($0) }
                for action in actions {
                    if case .sendStatus(let update) = action, answersKeepalives {
                        try connection.send(update)
                        repliesSent += 1
                    }
                    if try condition(action) { return true }
                }
                if try condition(nil) { return true }
            case .ended:
                return false
            case .wokenUp, .timedOut:
                if try condition(nil) { return true }
            }
        }
        throw HarnessError("timed out after \(timeout)s waiting for \(what)")
    }

    /// Confirms `position` to the server (the caller waits for the slot to show it).
    func confirm(_ position: LSN) throws {
        machine.confirm(position)
        try connection.send(machine.statusUpdate(now: StandbyStatusUpdate.clockNow()))
    }
}
