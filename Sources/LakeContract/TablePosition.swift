/// A position in a capture table's change order: `(_txid, _seq)`.
public struct TablePosition: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var txid: UInt64
    public var seq: Int64

    public init(txid: UInt64, seq: Int64) {
        self.txid = txid
        self.seq = seq
    }

    /// Before every change.
    public static let start = TablePosition(txid: 0, seq: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.txid, lhs.seq) < (rhs.txid, rhs.seq)
    }

    public var description: String { "(\(txid),\(seq))" }
}
