/// An error decoding PostgreSQL's binary COPY stream or one of its fields.
///
/// `column` is filled in by `BronzeRowDecoder` so the message names the
/// source column; the type-level decoders only know the PostgreSQL type.
struct CopyBinaryError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Kind: Sendable, Hashable {
        /// The stream does not start with `PGCOPY\n\377\r\n\0`.
        case badSignature
        /// The header carries flags this decoder does not understand (e.g. OIDs).
        case unsupportedHeader
        /// The stream, a tuple or a field ended before its declared length.
        case truncated
        /// A tuple's field count differs from the selected column count.
        case fieldCount
        /// A field's bytes do not match its type's send format.
        case invalidField
        /// A value does not fit the Parquet type the column maps to.
        case overflow
        /// Bytes arrived after the trailer.
        case trailingData
    }

    var kind: Kind
    var message: String
    /// The source column, when known.
    var column: String?

    init(_ kind: Kind, _ message: String, column: String? = nil) {
        self.kind = kind
        self.message = message
        self.column = column
    }

    var description: String {
        guard let column else { return "COPY BINARY: \(message)" }
        return "COPY BINARY: column \"\(column)\": \(message)"
    }
}

extension CopyBinaryError {
    static func truncated(_ what: StaticString, needed: Int, available: Int) -> CopyBinaryError {
        CopyBinaryError(.truncated, "\(what) needs \(needed) bytes but only \(available) remain")
    }

    static func fieldLength(_ type: StaticString, expected: Int, got: Int) -> CopyBinaryError {
        CopyBinaryError(.invalidField, "a \(type) field must be \(expected) bytes, got \(got); the column's type differs from the catalog's (re-read the table's schema)")
    }
}
