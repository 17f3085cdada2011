import Foundation
import Postgres

/// Reads whole committed transactions from a pgoutput slot, for the capture daemon.
///
/// It answers the server's reply requests and sends a status update every
/// `statusInterval` on its own, but the confirmed position only moves by `confirm(_:)`,
/// which the caller calls after the bookmark naming the transaction is written. After a
/// crash between the two, the slot sends that transaction again; `resumeAfter` (the
/// bookmark's commit LSN) drops it, so each transaction reaches bronze once.
final class LogicalStream {
    struct Configuration: Sendable {
        var slot: String
        var publications: [String]
        /// Values in their binary send format (decoded like COPY BINARY fields).
        var binary = false
        /// Seconds between unrequested status updates; well under the server's
        /// `wal_sender_timeout` (60 s by default).
        var statusInterval: Double = 10
        /// Past about this many bytes a transaction's changes go to a temporary file in
        /// `spillDirectory` (unlinked at once) instead of memory.
        var spillBytes = 64 << 20
        var spillDirectory = NSTemporaryDirectory()

        init(slot: String, publications: [String]) {
            self.slot = slot
            self.publications = publications
        }
    }

    static let readOnSeconds = 0.25

    private let connection: ReplicationConnection
    private let configuration: Configuration
    private var machine = LogicalStreamStateMachine()
    private let resumeAfter: LSN
    private var open: LogicalTransaction?
    /// What the machine asked for on the last message (kept to reuse its storage).
    private var actions: [LogicalStreamStateMachine.Action] = []
    private var nextStatus: Double

    /// Connects and starts streaming at the slot's confirmed position.
    /// - Parameter resumeAfter: the commit LSN of the last transaction already stored;
    ///   transactions committed at or before it are skipped.
    init(dsn: String, configuration: Configuration, resumeAfter: LSN = .zero) throws {
        connection = try ReplicationConnection(dsn: dsn, applicationName: "medallion logical capture")
        self.configuration = configuration
        self.resumeAfter = resumeAfter
        nextStatus = ReplicationConnection.monotonicNow() + configuration.statusInterval
        longestPause = connection.isUnixSocket ? .milliseconds(1) : .milliseconds(100)
        try connection.startReplication(slot: configuration.slot, publications: configuration.publications,
                                        binary: configuration.binary)
    }

    /// How long the reader may leave the socket unread while a batch window fills. The
    /// server stops decoding once the socket is full: a Unix socket holds a few hundred
    /// small messages, so it is read every millisecond; TCP holds megabytes, and longer
    /// pauses gather more per read (catch-up measured ~1.5x faster at 20-100 ms than at
    /// 1-5 ms; README, "Measured figures").
    let longestPause: Duration

    /// A handle another thread can use to end a wait in `next` (for shutdown).
    var wakeUpPipe: WakeUpPipe { connection.wakeUpPipe }

    /// What the server was last told is stored.
    var confirmed: LSN { machine.confirmed }

    /// How far the server's WAL is ahead of what was received, in bytes (for lag figures).
    var receiveLagBytes: UInt64 {
        machine.serverWALEnd.rawValue >= machine.received.rawValue ? machine.serverWALEnd.rawValue - machine.received.rawValue : 0
    }

    func close() { connection.close() }

    /// The next committed transaction, or nil when none completed within `timeout`
    /// seconds or `wakeUp` was called. A zero timeout waits for nothing: it reads what
    /// the connection already holds, for at most `readOnSeconds` (a large transaction
    /// still arriving then is read on by the next call, so the caller gets its turn).
    func next(timeout: Double) throws -> LogicalTransaction? {
        let started = ReplicationConnection.monotonicNow()
        let deadline = started + timeout
        let readUntil = max(deadline, started + Self.readOnSeconds)
        var now = started
        while true {
            if now >= nextStatus { try sendStatus() }
            let wait = min(deadline, nextStatus) - now
            let received = try connection.receive(timeout: max(0, wait)) { bytes in try ReplicationMessage(decoding: bytes) }
            switch received {
            case .message(let message):
                // Handled after `receive` returns: handling may confirm, which changes the machine.
                actions.removeAll(keepingCapacity: true)
                try machine.receive(message, now: StandbyStatusUpdate.clockNow()) { actions.append($0) }
                var finished: LogicalTransaction?
                for action in actions {
                    finished = try handle(action) ?? finished
                }
                actions.removeAll(keepingCapacity: true)
                if let finished { return finished }
                // One clock read per message, for both checks.
                now = ReplicationConnection.monotonicNow()
                if now >= readUntil { return nil }
            case .wokenUp:
                return nil
            case .ended:
                throw PostgresError(.connection, message: "PostgreSQL ended the replication stream of slot \(configuration.slot).")
            case .timedOut:
                now = ReplicationConnection.monotonicNow()
                if now >= deadline { return nil }
            }
        }
    }

    /// Tells the server everything up to `position` (a transaction's `endLSN`) is stored.
    func confirm(_ position: LSN) throws {
        machine.confirm(position)
        try sendStatus()
    }

    /// Confirms everything received so far, keepalive positions included, when no
    /// transaction is open. Only for a caller that has stored every transaction `next`
    /// returned: then nothing the slot sent before that position is still needed. It lets
    /// the slot move on while no captured table changes (pgoutput sends no empty
    /// transactions), and tells `verify` bronze has everything up to it.
    func confirmReceived() throws {
        guard open == nil, !machine.isInTransaction, machine.received > machine.confirmed else { return }
        try confirm(machine.received)
    }

    /// Sends the periodic status update when it is due, without reading: keeps the
    /// connection inside `wal_sender_timeout` while the caller is busy elsewhere.
    func keepAlive() throws {
        if ReplicationConnection.monotonicNow() >= nextStatus { try sendStatus() }
    }

    private func handle(_ action: LogicalStreamStateMachine.Action) throws -> LogicalTransaction? {
        switch action {
        case .begin(let begin):
            open = LogicalTransaction(xid: begin.xid, commitLSN: begin.finalLSN, endLSN: .zero, commitTime: begin.commitTime, changes: [])
        case .change(let change):
            try open?.changes.append(change, spillBytes: configuration.spillBytes, directory: configuration.spillDirectory)
        case .commit(let commit):
            defer { open = nil }
            guard commit.commitLSN > resumeAfter else {
                // Sent again after a crash before its confirmation; the bookmark holds it.
                machine.confirm(commit.endLSN)
                return nil
            }
            guard var transaction = open else { return nil }
            transaction.endLSN = commit.endLSN
            return transaction
        case .sendStatus(let update):
            try connection.send(update)
            nextStatus = ReplicationConnection.monotonicNow() + configuration.statusInterval
        case .relation:
            break
        }
        return nil
    }

    private func sendStatus() throws {
        try connection.send(machine.statusUpdate(now: StandbyStatusUpdate.clockNow()))
        nextStatus = ReplicationConnection.monotonicNow() + configuration.statusInterval
    }
}
