/// A source table: `name` (in `public`) or `schema.name`.
public struct TableName: Sendable, Hashable, CustomStringConvertible, Codable {
    public var schema: String
    public var name: String

    public init(schema: String = "public", name: String) {
        self.schema = schema
        self.name = name
    }

    /// Parses `name` or `schema.name` as a user types it on the command line.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            self.init(name: parts[0])
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            self.init(schema: parts[0], name: parts[1])
        default:
            throw CaptureError(.invalidInput, message: "\(text.isEmpty ? "An empty table name" : "'\(text)'") is not a table name; use name or schema.name.")
        }
    }

    /// The default tables of the retail app.
    public static let retailDefaults = [TableName(name: "orders"), TableName(name: "ordershistory")]

    /// `schema.name`, always qualified.
    public var description: String { "\(schema).\(name)" }

    /// The directory name under `bronze/`: the table name for tables in `public`,
    /// `schema.name` otherwise.
    public var lakeName: String { schema == "public" ? name : "\(schema).\(name)" }

    /// The quoted, qualified identifier for SQL.
    public var quoted: String {
        PostgresConnection.quoteIdentifier(schema) + "." + PostgresConnection.quoteIdentifier(name)
    }

    /// The capture table's name in schema `cdc` (as `cdc.capture_table_name` computes it).
    public var captureTable: String { (schema == "public" ? name : "\(schema)__\(name)") + "_changes" }

    /// The quoted `cdc.<table>_changes` identifier.
    public var quotedCaptureTable: String { "cdc." + PostgresConnection.quoteIdentifier(captureTable) }
}
