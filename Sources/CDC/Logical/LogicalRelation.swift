/// A table as a pgoutput Relation message describes it. The server sends one before
/// the first change of the table in a session and again after its schema changed;
/// changes refer to it by `id` (the table's OID).
struct LogicalRelation: Hashable, Sendable {
    /// Which old row image UPDATE and DELETE carry (`pg_class.relreplident`).
    enum ReplicaIdentity: Hashable, Sendable {
        /// `d`: the primary key columns.
        case `default`
        /// `n`: none (UPDATE and DELETE fail on a published table).
        case nothing
        /// `f`: every column.
        case full
        /// `i`: the columns of a chosen unique index.
        case index
        /// A setting newer than this decoder.
        case other(UInt8)

        init(_ tag: UInt8) {
            switch tag {
            case UInt8(ascii: "d"): self = .default
            case UInt8(ascii: "n"): self = .nothing
            case UInt8(ascii: "f"): self = .full
            case UInt8(ascii: "i"): self = .index
            default: self = .other(tag)
            }
        }
    }

    struct Column: Hashable, Sendable {
        /// Part of the replica identity (the key a delete's old image carries).
        var isKey: Bool
        var name: String
        var typeOID: UInt32
        /// `-1` when the type has no modifier.
        var typmod: Int32
    }

    var id: UInt32
    /// Empty for `pg_catalog`.
    var namespace: String
    var name: String
    var replicaIdentity: ReplicaIdentity
    /// Every column but generated ones, in table order.
    var columns: [Column]
}
