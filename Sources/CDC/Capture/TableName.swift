import Postgres

/// A source table: `name` (in `public`) or `schema.name`.
public struct TableName: Sendable, Hashable, CustomStringConvertible, Codable {
    public var schema: String
    public var name: String

    public init(schema: String = "public", name: String) {
        self.schema = schema
        self.name = name
    }

    /// Parses `name` or `schema.name` in SQL identifier syntax, as psql takes it: an
    /// unquoted part is folded to lower case (`Orders` is `orders`); a double-quoted part is
    /// taken as written, `""` standing for one quote (`"Sales Dept"."Odd Table"`).
    public init(parsing text: String) throws {
        func invalid(_ why: String) -> CaptureError {
            CaptureError(.invalidInput, message: "\(text.isEmpty ? "An empty table name" : "'\(text)'") is not a table name: \(why). Use name or schema.name; quote a part with double quotes to keep its case, spaces or dots (\"Sales Dept\".\"Odd Table\").")
        }
        var parts: [String] = []
        var characters = Array(text)[...]
        while true {
            var part = ""
            if characters.first == "\"" {
                characters.removeFirst()
                var closed = false
                while let character = characters.popFirst() {
                    if character == "\"" {
                        if characters.first == "\"" {
                            characters.removeFirst()
                            part.append("\"")
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        part.append(character)
                    }
                }
                guard closed else { throw invalid("a quoted part is not closed") }
                guard !part.isEmpty else { throw invalid("a quoted part is empty") }
            } else {
                while let character = characters.first, character != "." {
                    guard character == "_" || character == "$" || character.isLetter || character.isNumber,
                          !(part.isEmpty && (character == "$" || character.isNumber)) else {
                        throw invalid("'\(character)' cannot stand in an unquoted name")
                    }
                    part.append(contentsOf: character.isASCII ? character.lowercased() : String(character))
                    characters.removeFirst()
                }
                guard !part.isEmpty else { throw invalid("a part is empty") }
            }
            parts.append(part)
            guard let next = characters.popFirst() else { break }
            guard next == "." else { throw invalid("'\(next)' follows a quoted part") }
        }
        switch parts.count {
        case 1: self.init(name: parts[0])
        case 2: self.init(schema: parts[0], name: parts[1])
        default: throw invalid("it has more than two parts")
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
