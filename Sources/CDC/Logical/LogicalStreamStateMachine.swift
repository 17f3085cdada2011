import Postgres

/// Follows a pgoutput stream: remembers the relations the server described, checks
/// that changes arrive inside Begin … Commit, numbers each transaction's changes, and
/// keeps the positions a standby status update reports.
///
/// No I/O: the replication connection feeds it each CopyData message and performs
/// the actions it emits. The confirmed (flush) position moves only by `confirm(_:)`,
/// never by itself: the caller confirms a transaction once it is stored for good.
struct LogicalStreamStateMachine: Sendable {
    enum Action: Hashable, Sendable {
        case begin(PgOutputMessage.Begin)
        case change(LogicalChange)
        case commit(CommittedTransaction)
        /// A relation's schema, the first time it is described or after it changed.
        case relation(LogicalRelation)
        /// Send this status update now: the server asked for one.
        case sendStatus(StandbyStatusUpdate)
    }

    struct CommittedTransaction: Hashable, Sendable {
        var xid: UInt32
        var commitLSN: LSN
        /// The position to `confirm` once the transaction is stored.
        var endLSN: LSN
        /// Microseconds since 2000-01-01 UTC.
        var commitTime: Int64
        var changeCount: Int
    }

    private struct OpenTransaction: Sendable {
        var begin: PgOutputMessage.Begin
        var changeCount = 0
    }

    private(set) var relations: [UInt32: LogicalRelation] = [:]
    private var transaction: OpenTransaction?
    /// The furthest WAL position received (data or keepalive).
    private(set) var received = LSN.zero
    /// The end of WAL on the server at its last message, for lag figures.
    private(set) var serverWALEnd = LSN.zero
    /// What the caller confirmed as stored: the slot's confirmed flush position.
    private(set) var confirmed: LSN

    /// - Parameter confirmed: the position already stored (the bookmark's), reported
    ///   until the caller confirms more.
    init(confirmed: LSN = .zero) {
        self.confirmed = confirmed
    }

    var isInTransaction: Bool { transaction != nil }

    /// Takes one CopyData message of the stream; `now` is the clock (microseconds since
    /// 2000-01-01) a reply carries, read only when one is sent.
    mutating func receive(_ message: ReplicationMessage, now: @autoclosure () -> Int64, _ emit: (Action) throws -> Void) throws {
        switch message {
        case .keepalive(let walEnd, _, let replyRequested):
            received = max(received, walEnd)
            serverWALEnd = walEnd
            if replyRequested { try emit(.sendStatus(statusUpdate(now: now()))) }
        case .xLogData(let data):
            received = max(received, data.walStart)
            serverWALEnd = data.walEnd
            try receive(data.message, at: data.walStart, emit)
        }
    }

    /// Records that everything up to `position` (a transaction's `endLSN`) is stored.
    /// A position below the one already confirmed is ignored: the slot cannot go back.
    mutating func confirm(_ position: LSN) {
        confirmed = max(confirmed, position)
    }

    /// The status update to send now (periodically, and when the server asks).
    func statusUpdate(now: Int64, replyRequested: Bool = false) -> StandbyStatusUpdate {
        StandbyStatusUpdate(write: max(received, confirmed), flush: confirmed, apply: confirmed,
                            clock: now, replyRequested: replyRequested)
    }

    private mutating func receive(_ message: PgOutputMessage, at position: LSN, _ emit: (Action) throws -> Void) throws {
        switch message {
        case .begin(let begin):
            if let open = transaction {
                throw LogicalReplicationError(.outOfOrder, "Begin of xid \(begin.xid) arrived inside transaction \(open.begin.xid)")
            }
            transaction = OpenTransaction(begin: begin)
            try emit(.begin(begin))
        case .commit(let commit):
            guard let open = transaction else {
                throw LogicalReplicationError(.outOfOrder, "Commit at \(commit.commitLSN) arrived outside a transaction")
            }
            guard commit.commitLSN == open.begin.finalLSN else {
                throw LogicalReplicationError(.outOfOrder, "Commit at \(commit.commitLSN) does not match the Begin of xid \(open.begin.xid) (final LSN \(open.begin.finalLSN))")
            }
            transaction = nil
            try emit(.commit(CommittedTransaction(xid: open.begin.xid, commitLSN: commit.commitLSN, endLSN: commit.endLSN,
                                                  commitTime: commit.commitTime, changeCount: open.changeCount)))
        case .relation(let relation):
            if relations[relation.id] != relation {
                relations[relation.id] = relation
                try emit(.relation(relation))
            }
        case .insert(let id, let new):
            let relation = try known(id, "Insert")
            try checkWidth(new, of: relation, "Insert")
            try emitChange(relation, .insert(new: new), at: position, emit)
        case .update(let id, let old, let new):
            let relation = try known(id, "Update")
            if let old { try checkWidth(old.tuple, of: relation, "Update") }
            try checkWidth(new, of: relation, "Update")
            try emitChange(relation, .update(old: old, new: new), at: position, emit)
        case .delete(let id, let old):
            let relation = try known(id, "Delete")
            try checkWidth(old.tuple, of: relation, "Delete")
            try emitChange(relation, .delete(old: old), at: position, emit)
        case .truncate(let ids, let options):
            let truncated = try ids.map { id in try known(id, "Truncate") }
            for relation in truncated {
                try emitChange(relation, .truncate(options), at: position, emit)
            }
        case .origin, .type, .message:
            // Type names only matter for non built-in types, which are decoded from text;
            // origins and emitted messages are not captured.
            break
        }
    }

    private mutating func emitChange(_ relation: LogicalRelation, _ operation: LogicalChange.Operation, at position: LSN,
                                     _ emit: (Action) throws -> Void) throws {
        guard var open = transaction else {
            throw LogicalReplicationError(.outOfOrder, "a change of relation \(relation.id) arrived outside a transaction")
        }
        let change = LogicalChange(xid: open.begin.xid, commitLSN: open.begin.finalLSN, index: open.changeCount,
                                   walPosition: position, relation: relation, operation: operation)
        open.changeCount += 1
        transaction = open
        try emit(.change(change))
    }

    private func known(_ id: UInt32, _ what: String) throws(LogicalReplicationError) -> LogicalRelation {
        guard let relation = relations[id] else {
            throw LogicalReplicationError(.unknownRelation, "\(what) of relation \(id), which no Relation message described; the stream did not start at a transaction boundary")
        }
        return relation
    }

    private func checkWidth(_ tuple: LogicalTuple, of relation: LogicalRelation, _ what: String) throws(LogicalReplicationError) {
        guard tuple.count == relation.columns.count else {
            throw LogicalReplicationError(.invalidField, "\(what) of relation \(relation.id) has \(tuple.count) columns but its Relation message described \(relation.columns.count)")
        }
    }
}
