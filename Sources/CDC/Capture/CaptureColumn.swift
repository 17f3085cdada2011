import Parquet
import Postgres

/// One source column of a capture table, as read from the catalog.
public struct CaptureColumn: Sendable, Hashable, Codable {
    public var name: String
    /// The type OID (domains resolved to their base type) and modifier.
    public var typeOid: UInt32
    public var typmod: Int32
    /// The type's output function (`inet_out`), for types kept as text: their text is what
    /// it prints, as COPY and psql show it (`::text` differs for some, e.g. inet's mask).
    /// Absent in intents of earlier versions (then `::text`).
    public var textOutput: String?

    public init(name: String, typeOid: UInt32, typmod: Int32, textOutput: String? = nil) {
        self.name = name
        self.typeOid = typeOid
        self.typmod = typmod
        self.textOutput = textOutput
    }

    var postgresType: PostgresType { PostgresType(oid: typeOid, typmod: typmod) }

    /// The select-list entry for this column: the identifier, or its text for types not
    /// decoded here.
    func selectExpression(_ expression: String? = nil) -> String {
        let value = expression ?? PostgresConnection.quoteIdentifier(name)
        guard postgresType.isUnsupported else { return value }
        guard let textOutput, textOutput.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "\"" }) else {
            return "(\(value))::text"
        }
        return "pg_catalog.textin(\(textOutput)(\(value)))"
    }
}

/// The capture columns every bronze row carries after the source columns (read from the
/// capture table), and `_overflow`, which bronze adds after them.
enum CaptureMetadataColumn {
    static let names = ["_op", "_txid", "_seq", "_changed_at"]
    static let types: [PostgresType] = [.text, .xid8, .int8, .timestamptz]
    /// A JSON object of the values their column could not hold, as PostgreSQL's text.
    static let overflow = "_overflow"
    /// The partition a row of a rotating capture table is in; not carried to bronze.
    static let generation = "_gen"
    /// Every name above: no source column of these names is captured.
    static let reserved: Set<String> = Set(names + [overflow, generation])
}
