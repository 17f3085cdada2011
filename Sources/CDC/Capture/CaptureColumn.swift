import Parquet

/// One source column of a capture table, as read from the catalog.
public struct CaptureColumn: Sendable, Hashable, Codable {
    public var name: String
    /// The type OID (domains resolved to their base type) and modifier.
    public var typeOid: UInt32
    public var typmod: Int32

    public init(name: String, typeOid: UInt32, typmod: Int32) {
        self.name = name
        self.typeOid = typeOid
        self.typmod = typmod
    }

    var postgresType: PostgresType { PostgresType(oid: typeOid, typmod: typmod) }
}

/// The capture columns every bronze row carries after the source columns (read from the
/// capture table), and `_overflow`, which bronze adds after them.
enum CaptureMetadataColumn {
    static let names = ["_op", "_txid", "_seq", "_changed_at"]
    static let types: [PostgresType] = [.text, .xid8, .int8, .timestamptz]
    /// A JSON object of the values their column could not hold, as PostgreSQL's text.
    static let overflow = "_overflow"
}
