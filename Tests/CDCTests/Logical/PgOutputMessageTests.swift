@testable import CDC
import Testing
import Postgres

@Suite struct PgOutputMessageTests {
    typealias B = PgOutputBytes

    static let relationBytes = B.relation(id: 16_385, namespace: "public", name: "orders", identity: "d", columns: [
        (key: true, name: "id", type: 23, typmod: -1),
        (key: false, name: "note", type: 1043, typmod: 24),
    ])
    static let relation = LogicalRelation(id: 16_385, namespace: "public", name: "orders", replicaIdentity: .default, columns: [
        .init(isKey: true, name: "id", typeOID: 23, typmod: -1),
        .init(isKey: false, name: "note", typeOID: 1043, typmod: 24),
    ])
    static let row = [B.text("42"), .null, .unchangedToast, .binary([0, 0, 0, 7]), .text([])]

    /// Every message kind with what it must decode to.
    static let messages: [(bytes: [UInt8], message: PgOutputMessage)] = [
        (B.begin(final: 0x1_0000_00A0, time: 123_456, xid: 777),
         .begin(.init(finalLSN: LSN(0x1_0000_00A0), commitTime: 123_456, xid: 777))),
        (B.commit(lsn: 0x1_0000_00A0, end: 0x1_0000_00D0, time: 123_456),
         .commit(.init(flags: 0, commitLSN: LSN(0x1_0000_00A0), endLSN: LSN(0x1_0000_00D0), commitTime: 123_456))),
        (B.tag("O") + B.be(UInt64(99)) + B.string("upstream"), .origin(commitLSN: LSN(99), name: "upstream")),
        (relationBytes, .relation(relation)),
        (B.tag("Y") + B.be(UInt32(16_400)) + B.string("public") + B.string("mood"),
         .type(oid: 16_400, namespace: "public", name: "mood")),
        (B.tag("I") + B.be(UInt32(16_385)) + B.tag("N") + B.tuple(row), .insert(relationID: 16_385, new: LogicalTuple(row))),
        (B.tag("U") + B.be(UInt32(16_385)) + B.tag("N") + B.tuple([B.text("1")]),
         .update(relationID: 16_385, old: nil, new: LogicalTuple([B.text("1")]))),
        (B.tag("U") + B.be(UInt32(16_385)) + B.tag("K") + B.tuple([B.text("1"), .null]) + B.tag("N") + B.tuple([B.text("2"), .unchangedToast]),
         .update(relationID: 16_385, old: .key(LogicalTuple([B.text("1"), .null])), new: LogicalTuple([B.text("2"), .unchangedToast]))),
        (B.tag("U") + B.be(UInt32(16_385)) + B.tag("O") + B.tuple([B.text("1"), B.text("x")]) + B.tag("N") + B.tuple([B.text("1"), B.text("y")]),
         .update(relationID: 16_385, old: .full(LogicalTuple([B.text("1"), B.text("x")])), new: LogicalTuple([B.text("1"), B.text("y")]))),
        (B.tag("D") + B.be(UInt32(16_385)) + B.tag("K") + B.tuple([B.text("1"), .null]),
         .delete(relationID: 16_385, old: .key(LogicalTuple([B.text("1"), .null])))),
        (B.tag("D") + B.be(UInt32(16_385)) + B.tag("O") + B.tuple([B.text("1"), B.text("x")]),
         .delete(relationID: 16_385, old: .full(LogicalTuple([B.text("1"), B.text("x")])))),
        (B.tag("T") + B.be(Int32(2)) + [3] + B.be(UInt32(16_385)) + B.be(UInt32(16_390)),
         .truncate(relationIDs: [16_385, 16_390], options: [.cascade, .restartIdentity])),
        (B.tag("M") + [1] + B.be(UInt64(5)) + B.string("app") + B.be(Int32(3)) + [1, 2, 3],
         .message(transactional: true, lsn: LSN(5), prefix: "app", content: [1, 2, 3])),
    ]

    @Test func decodesEveryMessageKind() throws {
        for (bytes, message) in Self.messages {
            #expect(try decodeMessage(bytes) == message)
        }
    }

    @Test func everyCutShortMessageIsTruncated() {
        for (bytes, _) in Self.messages {
            for length in 0 ..< bytes.count {
                let error = #expect(throws: LogicalReplicationError.self) { try decodeMessage(Array(bytes[..<length])) }
                #expect(error?.kind == .truncated, "\(PgOutputMessage.name(of: bytes[0])) cut at \(length): \(String(describing: error))")
            }
        }
    }

    @Test func extraBytesAreRejected() {
        for (bytes, _) in Self.messages {
            let error = #expect(throws: LogicalReplicationError.self) { try decodeMessage(bytes + [0]) }
            #expect(error?.kind == .trailingData)
        }
    }

    @Test func unknownTagsAreNamed() {
        let message = #expect(throws: LogicalReplicationError.self) { try decodeMessage(B.tag("S") + B.be(UInt32(1))) }
        #expect(message?.kind == .unknownTag)
        #expect(message?.description.contains("'S'") == true)
        let column = #expect(throws: LogicalReplicationError.self) {
            try decodeMessage(B.tag("I") + B.be(UInt32(1)) + B.tag("N") + B.be(Int16(1)) + [0x01])
        }
        #expect(column?.kind == .unknownTag)
        #expect(column?.description == "logical replication stream: Insert: unknown column kind 0x1")
        let oldTag = #expect(throws: LogicalReplicationError.self) { try decodeMessage(B.tag("D") + B.be(UInt32(1)) + B.tag("N") + B.tuple([])) }
        #expect(oldTag?.kind == .unknownTag)
    }

    @Test func negativeLengthsAreInvalidNotCrashes() {
        let column = #expect(throws: LogicalReplicationError.self) {
            try decodeMessage(B.tag("I") + B.be(UInt32(1)) + B.tag("N") + B.be(Int16(1)) + B.tag("t") + B.be(Int32(-2)))
        }
        #expect(column?.kind == .invalidField)
        let count = #expect(throws: LogicalReplicationError.self) { try decodeMessage(B.tag("T") + B.be(Int32(-1)) + [0]) }
        #expect(count?.kind == .invalidField)
    }

    @Test func errorsNeverQuoteValues() {
        let secret = Array("s3cret-value".utf8)
        let bytes = B.tag("I") + B.be(UInt32(9)) + B.tag("N") + B.tuple([.text(secret)])
        for length in 0 ..< bytes.count {
            do {
                _ = try decodeMessage(Array(bytes[..<length]))
            } catch {
                #expect(!String(describing: error).contains("s3cret"))
            }
        }
    }

    @Test func randomBytesNeverCrash() {
        var generator = SeededBytes(seed: 7)
        let tags = Array("BCORYIUDTMwkx".utf8)
        for _ in 0 ..< 5000 {
            let count = Int(generator.next() % 40)
            let bytes = [tags[Int(generator.next() % UInt64(tags.count))]] + (0 ..< count).map { _ in UInt8(truncatingIfNeeded: generator.next() % 4) }
            _ = try? decodeMessage(bytes)
            _ = try? decodeReplication(bytes)
        }
    }
}

/// A small seeded generator, so random inputs repeat from run to run.
private struct SeededBytes: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
