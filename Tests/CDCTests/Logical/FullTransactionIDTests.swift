@testable import CDC
import Testing

@Suite struct FullTransactionIDTests {
    @Test func sameEpochAndTheOneBefore() {
        let reference: UInt64 = 3 << 32 | 1000
        #expect(FullTransactionID.widen(999, reference: reference) == 3 << 32 | 999)
        #expect(FullTransactionID.widen(1000, reference: reference) == 3 << 32 | 1000)
        // Low bits above the reference's: the xid was assigned before the wrap.
        #expect(FullTransactionID.widen(0xFFFF_FF00, reference: reference) == 2 << 32 | 0xFFFF_FF00)
        // Epoch 0 has no epoch before it.
        #expect(FullTransactionID.widen(750, reference: 800) == 750)
    }
}

@Suite struct UnchangedValueTests {
    typealias B = PgOutputBytes

    @Test func takesUnchangedValuesFromTheFullOldImage() {
        let new = LogicalTuple([B.text("1"), .unchangedToast, B.text("2")])
        let old = LogicalTuple([B.text("1"), B.text("long"), B.text("1")])
        #expect(new.hasUnchangedColumns && (0 ..< new.count).filter { new.kind(at: $0) == .unchangedToast } == [1])
        #expect(new.fillingUnchanged(from: old) == LogicalTuple([B.text("1"), B.text("long"), B.text("2")]))
        #expect(new.fillingUnchanged(from: LogicalTuple([B.text("1"), .unchangedToast, .null])) == nil)
        #expect(new.fillingUnchanged(from: LogicalTuple([B.text("1")])) == nil)
    }
}
