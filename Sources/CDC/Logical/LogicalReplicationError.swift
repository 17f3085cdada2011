/// An error in the logical replication stream: a message that is cut short, of a kind
/// this decoder does not know, or out of place (a change outside a transaction, a
/// relation never described).
///
/// Messages name message kinds, relation ids, counts and WAL positions; never a value.
struct LogicalReplicationError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Kind: Sendable, Hashable {
        /// A message ended before one of its fields.
        case truncated
        /// Bytes remained after a complete message.
        case trailingData
        /// A message or field tag this decoder does not know.
        case unknownTag
        /// A field holds an impossible value (a negative count, an empty name).
        case invalidField
        /// A message arrived where the protocol does not allow it.
        case outOfOrder
        /// A change names a relation no Relation message described.
        case unknownRelation
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { "logical replication stream: \(message)" }
}
