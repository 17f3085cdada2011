@testable import CDC
import Testing

/// `LogicalTuple` keeps its values' bytes in one buffer: however a tuple was made
/// (from values, appended one by one, filled from an old image), the same values must
/// make an equal tuple with the same hash, and read back as they went in.
@Suite struct LogicalTupleTests {
    static let values: [LogicalValue] = [.binary([0, 0, 0, 7]), .null, .text(Array("seven".utf8)), .unchangedToast, .binary([]), .binary([1, 2, 3])]

    @Test func valuesReadBackAsTheyWentIn() {
        let tuple = LogicalTuple(Self.values)
        #expect(tuple.count == Self.values.count)
        #expect(tuple.values == Self.values)
        #expect(tuple.byteCount == 4 + 5 + 3)
        #expect(tuple.kind(at: 3) == .unchangedToast)
        #expect(tuple.withBytes(at: 2) { Array($0) } == Array("seven".utf8))
        #expect(tuple.withAllBytes { Array($0[tuple.range(at: 5)]) } == [1, 2, 3])
    }

    @Test func equalValuesMakeEqualTuplesWhateverTheirReservations() {
        var appended = LogicalTuple()
        appended.reserve(columns: 2, bytes: 1)  // less room than needed
        for value in Self.values {
            switch value {
            case .null: appended.append(.null)
            case .unchangedToast: appended.append(.unchangedToast)
            case .text(let bytes): bytes.withUnsafeBytes { appended.append(.text, $0) }
            case .binary(let bytes): bytes.withUnsafeBytes { appended.append(.binary, $0) }
            }
        }
        var roomy = LogicalTuple()
        roomy.reserve(columns: 10, bytes: 1000)  // more room than needed
        for index in 0 ..< appended.count { appended.withBytes(at: index) { roomy.append(appended.kind(at: index), $0) } }
        let made = LogicalTuple(Self.values)
        #expect(appended == made && roomy == made)
        #expect(Set([appended, roomy, made]).count == 1)
        #expect(made != LogicalTuple(Self.values.dropLast() + [.binary([1, 2, 4])]))
        // The same bytes under another kind, or split differently, are other values.
        #expect(LogicalTuple([.text([1])]) != LogicalTuple([.binary([1])]))
        #expect(LogicalTuple([.binary([1, 2]), .binary([])]) != LogicalTuple([.binary([1]), .binary([2])]))
    }

    @Test func sameValueComparesKindAndBytes() {
        let left = LogicalTuple([.binary([1, 2]), .null, .binary([])])
        let right = LogicalTuple([.binary([1, 2]), .binary([]), .null])
        #expect(left.hasSameValue(at: 0, as: right, at: 0))
        #expect(!left.hasSameValue(at: 1, as: right, at: 1))
        #expect(left.hasSameValue(at: 1, as: right, at: 2))
        #expect(left.hasSameValue(at: 2, as: right, at: 1))
        #expect(!left.hasSameValue(at: 0, as: right, at: 1))
    }

    @Test func fillingKeepsTheRowsOwnValuesAndTakesOnlyTheUnchanged() throws {
        let new = LogicalTuple([.binary([9]), .unchangedToast, .null, .unchangedToast])
        let old = LogicalTuple([.binary([1]), .binary(Array(repeating: 5, count: 300)), .binary([2]), .text([3, 3])])
        let filled = try #require(new.fillingUnchanged(from: old))
        #expect(filled.values == [.binary([9]), .binary(Array(repeating: 5, count: 300)), .null, .text([3, 3])])
        #expect(filled == LogicalTuple(filled.values))
        #expect(!filled.hasUnchangedColumns && new.hasUnchangedColumns)
    }
}
