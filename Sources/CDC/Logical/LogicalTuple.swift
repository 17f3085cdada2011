/// The column values of one row image in a pgoutput change (TupleData), in the
/// order of the relation's columns.
struct LogicalTuple: Hashable, Sendable {
    var values: [LogicalValue]

    init(_ values: [LogicalValue]) {
        self.values = values
    }
}

/// One column value of a `LogicalTuple`.
enum LogicalValue: Hashable, Sendable {
    /// SQL NULL (`n`).
    case null
    /// A TOASTed value the change did not touch (`u`): the server does not send it,
    /// and the consumer must take it from the row's previous image.
    case unchangedToast
    /// The type's text output, in the client encoding (`t`).
    case text([UInt8])
    /// The type's binary send format (`b`, with the `binary` option, PostgreSQL 14+):
    /// the same bytes a binary COPY carries for the column.
    case binary([UInt8])
}
