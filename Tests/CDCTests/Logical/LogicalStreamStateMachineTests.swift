@testable import CDC
import Testing
import Postgres

@Suite struct LogicalStreamStateMachineTests {
    typealias B = PgOutputBytes
    typealias Action = LogicalStreamStateMachine.Action

    static let relation = PgOutputMessageTests.relation

    /// Feeds CopyData payloads and collects the actions.
    static func run(_ machine: inout LogicalStreamStateMachine, _ payloads: [[UInt8]], now: Int64 = 1) throws -> [Action] {
        var actions: [Action] = []
        for payload in payloads {
            try machine.receive(try decodeReplication(payload), now: now) { actions.append($0) }
        }
        return actions
    }

    static func data(_ start: UInt64, _ message: [UInt8]) -> [UInt8] {
        B.xLogData(start: start, end: 0x900, clock: 0, message)
    }

    static func insert(_ id: String) -> [UInt8] {
        B.tag("I") + B.be(UInt32(16_385)) + B.tag("N") + B.tuple([B.text(id), .null])
    }

    @Test func numbersChangesAndClosesTransactions() throws {
        var machine = LogicalStreamStateMachine()
        let truncate = B.tag("T") + B.be(Int32(1)) + [0] + B.be(UInt32(16_385))
        let actions = try Self.run(&machine, [
            Self.data(0x100, B.begin(final: 0x300, time: 5, xid: 700)),
            Self.data(0x100, PgOutputMessageTests.relationBytes),
            Self.data(0x110, Self.insert("1")),
            Self.data(0x110, Self.insert("2")), // a multi-row insert: one WAL record
            Self.data(0x200, truncate),
            Self.data(0x300, B.commit(lsn: 0x300, end: 0x330, time: 5)),
        ])
        let tuple1 = LogicalTuple([B.text("1"), .null])
        let tuple2 = LogicalTuple([B.text("2"), .null])
        #expect(actions == [
            .begin(.init(finalLSN: LSN(0x300), commitTime: 5, xid: 700)),
            .relation(Self.relation),
            .change(LogicalChange(xid: 700, commitLSN: LSN(0x300), index: 0, walPosition: LSN(0x110), relation: Self.relation, operation: .insert(new: tuple1))),
            .change(LogicalChange(xid: 700, commitLSN: LSN(0x300), index: 1, walPosition: LSN(0x110), relation: Self.relation, operation: .insert(new: tuple2))),
            .change(LogicalChange(xid: 700, commitLSN: LSN(0x300), index: 2, walPosition: LSN(0x200), relation: Self.relation, operation: .truncate([]))),
            .commit(.init(xid: 700, commitLSN: LSN(0x300), endLSN: LSN(0x330), commitTime: 5, changeCount: 3)),
        ])
        #expect(!machine.isInTransaction)
        // The same relation described again (a new session's first change) is not news.
        let again = try Self.run(&machine, [Self.data(0x400, PgOutputMessageTests.relationBytes)])
        #expect(again.isEmpty)
    }

    @Test func confirmedPositionMovesOnlyWhenTheCallerSays() throws {
        var machine = LogicalStreamStateMachine(confirmed: LSN(0x50))
        let actions = try Self.run(&machine, [
            Self.data(0x100, B.begin(final: 0x300, time: 5, xid: 700)),
            Self.data(0x100, PgOutputMessageTests.relationBytes),
            Self.data(0x110, Self.insert("1")),
            Self.data(0x300, B.commit(lsn: 0x300, end: 0x330, time: 5)),
            B.keepalive(end: 0x1000, clock: 9, reply: true),
        ], now: 77)
        #expect(actions.last == .sendStatus(StandbyStatusUpdate(write: LSN(0x1000), flush: LSN(0x50), apply: LSN(0x50), clock: 77)))
        #expect(machine.confirmed == LSN(0x50))
        machine.confirm(LSN(0x330))
        #expect(machine.statusUpdate(now: 78).flush == LSN(0x330))
        machine.confirm(LSN(0x100)) // never backwards
        #expect(machine.confirmed == LSN(0x330))
        // A keepalive without a reply request asks for nothing.
        #expect(try Self.run(&machine, [B.keepalive(end: 0x2000, clock: 9, reply: false)]).isEmpty)
        #expect(machine.serverWALEnd == LSN(0x2000))
    }

    @Test func outOfPlaceMessagesAreErrors() throws {
        func failure(_ payloads: [[UInt8]]) -> LogicalReplicationError.Kind? {
            var machine = LogicalStreamStateMachine()
            return (#expect(throws: LogicalReplicationError.self) { _ = try Self.run(&machine, payloads) })?.kind
        }
        let begin = Self.data(0x100, B.begin(final: 0x300, time: 5, xid: 700))
        let relation = Self.data(0x100, PgOutputMessageTests.relationBytes)
        #expect(failure([relation, Self.data(0x110, Self.insert("1"))]) == .outOfOrder)
        #expect(failure([begin, Self.data(0x110, Self.insert("1"))]) == .unknownRelation)
        #expect(failure([begin, begin]) == .outOfOrder)
        #expect(failure([Self.data(0x300, B.commit(lsn: 0x300, end: 0x330, time: 5))]) == .outOfOrder)
        #expect(failure([begin, Self.data(0x300, B.commit(lsn: 0x301, end: 0x330, time: 5))]) == .outOfOrder)
        let narrow = B.tag("I") + B.be(UInt32(16_385)) + B.tag("N") + B.tuple([B.text("1")])
        #expect(failure([begin, relation, Self.data(0x110, narrow)]) == .invalidField)
    }

    @Test func aChangedRelationReplacesTheOldOne() throws {
        var machine = LogicalStreamStateMachine()
        let wider = B.relation(id: 16_385, namespace: "public", name: "orders", identity: "f", columns: [
            (key: true, name: "id", type: 23, typmod: -1), (key: false, name: "note", type: 25, typmod: -1),
            (key: false, name: "added", type: 16, typmod: -1),
        ])
        let actions = try Self.run(&machine, [Self.data(1, PgOutputMessageTests.relationBytes), Self.data(2, wider)])
        #expect(actions.count == 2)
        #expect(machine.relations[16_385]?.columns.count == 3)
        #expect(machine.relations[16_385]?.replicaIdentity == .full)
    }
}
