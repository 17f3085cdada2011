@testable import CDC
import Testing
import Postgres

@Suite struct ReplicationMessageTests {
    typealias B = PgOutputBytes

    @Test func xLogDataCarriesItsPositionsAndMessage() throws {
        let bytes = B.xLogData(start: 0x16_B374_D848, end: 0x16_B374_D900, clock: 42, B.begin(final: 0x16_B374_D8F0, time: 41, xid: 9))
        #expect(bytes.count == 25 + 21)
        let message = try decodeReplication(bytes)
        #expect(message == .xLogData(.init(walStart: LSN(0x16_B374_D848), walEnd: LSN(0x16_B374_D900), serverClock: 42,
                                           message: .begin(.init(finalLSN: LSN(0x16_B374_D8F0), commitTime: 41, xid: 9)))))
    }

    @Test func keepalive() throws {
        #expect(try decodeReplication(B.keepalive(end: 0x2_0000_0001, clock: -5, reply: true))
            == .keepalive(walEnd: LSN(0x2_0000_0001), serverClock: -5, replyRequested: true))
        #expect(try decodeReplication(B.keepalive(end: 7, clock: 0, reply: false))
            == .keepalive(walEnd: LSN(7), serverClock: 0, replyRequested: false))
    }

    @Test func cutShortOrLongIsAnError() {
        let messages = [B.keepalive(end: 1, clock: 2, reply: true),
                        B.xLogData(start: 1, end: 2, clock: 3, B.commit(lsn: 4, end: 5, time: 6))]
        for bytes in messages {
            for length in 0 ..< bytes.count {
                let error = #expect(throws: LogicalReplicationError.self) { try decodeReplication(Array(bytes[..<length])) }
                #expect(error?.kind == .truncated, "cut at \(length)")
            }
            #expect((#expect(throws: LogicalReplicationError.self) { try decodeReplication(bytes + [9]) })?.kind == .trailingData)
        }
        let unknown = #expect(throws: LogicalReplicationError.self) { try decodeReplication([UInt8(ascii: "d"), 0]) }
        #expect(unknown?.kind == .unknownTag)
    }

    @Test func standbyStatusUpdateLayout() {
        let update = StandbyStatusUpdate(write: LSN(0x0102_0304_0506_0708), flush: LSN(0x10), apply: LSN(0x11),
                                         clock: 0x0A0B, replyRequested: true)
        let bytes = update.encoded
        #expect(bytes.count == 34)
        #expect(bytes[0] == UInt8(ascii: "r"))
        #expect(Array(bytes[1 ..< 9]) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Array(bytes[9 ..< 17]) == B.be(UInt64(0x10)))
        #expect(Array(bytes[17 ..< 25]) == B.be(UInt64(0x11)))
        #expect(Array(bytes[25 ..< 33]) == B.be(Int64(0x0A0B)))
        #expect(bytes[33] == 1)
        #expect(StandbyStatusUpdate(write: .zero, flush: .zero, apply: .zero, clock: 0).encoded.last == 0)
    }

    @Test func clockCountsFrom2000() {
        let now = StandbyStatusUpdate.clockNow()
        // 2026-01-01 is 820,454,400 s after 2000-01-01.
        #expect(now > 820_454_400 * 1_000_000)
    }
}
