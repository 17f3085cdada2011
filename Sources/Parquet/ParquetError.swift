/// An error from writing or reading Parquet; names the column and row where relevant.
public struct ParquetError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Hashable {
        case invalidSchema
        case typeMismatch
        case nullInRequiredColumn
        case outOfRange
        case invalidUTF8
        case invalidLength
        case incompleteRow
        case duplicateValue
        case noSuchColumn
        case writerClosed
        case io
        case compression
        case corruptFile
        case unsupported
    }

    public var kind: Kind
    public var message: String
    /// The column's name, when the error concerns one column.
    public var column: String?
    /// The 0-based row index in the file, when the error concerns one row.
    public var row: Int?

    public init(_ kind: Kind, _ message: String, column: String? = nil, row: Int? = nil) {
        self.kind = kind
        self.message = message
        self.column = column
        self.row = row
    }

    public var description: String {
        var text = "Parquet error"
        if let column { text += " in column '\(column)'" }
        if let row { text += " at row \(row)" }
        return text + ": " + message
    }
}
