import Postgres

/// Reads which tables are captured and their capture tables' columns from the catalog.
struct CaptureCatalog {
    let connection: PostgresConnection

    /// The captured tables: `requested` ones (each must be installed), or all installed.
    func load(_ requested: [TableName]? = nil) throws -> [CapturedTable] {
        let installed = try connection.execute("SELECT to_regclass('cdc.captured_tables') IS NOT NULL").scalar == "t"
        guard installed else {
            throw CaptureError(.notInstalled, message: "Change capture is not installed in this database; run `medallion install` first.")
        }
        let rows = try connection.execute(
            "SELECT source_schema, source_table FROM cdc.captured_tables ORDER BY source_schema, source_table")
        let tables = rows.rows.map { TableName(schema: $0[0] ?? "", name: $0[1] ?? "") }
        var selected = tables
        if let requested, !requested.isEmpty {
            for table in requested where !tables.contains(table) {
                throw CaptureError(.notInstalled, message: "Table \(table) is not captured; run `medallion install \(table.lakeName)` first.")
            }
            selected = requested
        }
        if selected.isEmpty {
            throw CaptureError(.notInstalled, message: "No table is captured in this database; run `medallion install` first.")
        }
        let oids = try sourceOids()
        return try selected.map { CapturedTable(table: $0, columns: try columns(of: $0), sourceOid: oids[$0]) }
    }

    /// Each captured table's oid as install last saw it (none in installs before it).
    func sourceOids() throws -> [TableName: UInt32] {
        // Through jsonb: installs before it have no such column.
        let rows = try connection.execute("SELECT source_schema, source_table, to_jsonb(c) ->> 'source_oid' FROM cdc.captured_tables c")
        return Dictionary(rows.rows.compactMap { row in
            row[2].flatMap { UInt32($0) }.map { (TableName(schema: row[0] ?? "", name: row[1] ?? ""), $0) }
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The captured tables for the streaming daemon, which also needs the idle flag that
    /// installs before it lacked (status and verify do not).
    func loadForDaemon(_ requested: [TableName]? = nil) throws -> [CapturedTable] {
        let tables = try load(requested)
        guard try connection.execute("SELECT to_regclass('cdc.schema_version') IS NOT NULL").scalar == "t" else {
            throw CaptureError(.notInstalled, message: "The capture installed in this database is from an earlier version (no cdc.schema_version); run `medallion install` again to bring it up to date (idempotent, keeps the captured rows).")
        }
        return tables
    }

    /// The source's columns that `table`'s capture table does not hold, in column order: DDL
    /// capture could not follow (a reserved name, or no event trigger and no install since).
    func uncapturedColumns(_ table: CapturedTable) throws -> [String] {
        let captured = Set(table.columns.map(\.name))
        return try connection.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [table.table.quoted]).rows.compactMap { $0[0] ?? nil }.filter { !captured.contains($0) }
    }

    /// The source columns of `table`'s capture table (everything but the capture columns,
    /// `_gen` included where the table rotates),
    /// domains resolved to their base type however deep they nest.
    func columns(of table: TableName) throws -> [CaptureColumn] {
        let rows = try connection.execute("""
            \(Self.resolvedColumns)
            SELECT c.attname, c.typid, c.typmod, t.typoutput::regproc::text
            FROM chain c JOIN pg_type t ON t.oid = c.typid
            WHERE t.typtype <> 'd' AND c.attname NOT IN ('_op', '_txid', '_seq', '_changed_at')
              AND NOT (c.attname = '_gen' AND (SELECT relkind FROM pg_class WHERE oid = $1::regclass) = 'p')
            ORDER BY c.attnum
            """, [table.quotedCaptureTable])
        return rows.rows.map {
            CaptureColumn(name: $0[0] ?? "", typeOid: UInt32($0[1] ?? "") ?? 25, typmod: Int32($0[2] ?? "") ?? -1,
                          textOutput: $0[3])
        }
    }

    /// `chain`: each column of the relation `$1` with its type, then the base type of each
    /// domain level (a domain's own modifier, as in `numeric(12,2)`, carried down).
    static let resolvedColumns = """
        WITH RECURSIVE chain AS (
            SELECT a.attnum, a.attname, a.atttypid AS typid, a.atttypmod AS typmod
            FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT c.attnum, c.attname, t.typbasetype, CASE WHEN t.typtypmod <> -1 THEN t.typtypmod ELSE c.typmod END
            FROM chain c JOIN pg_type t ON t.oid = c.typid WHERE t.typtype = 'd')
        """

    /// The primary key columns of a source table, in key order.
    /// Whether the source has a table of `table`'s name: a captured table renamed or
    /// dropped since install has none (capture follows a renamed one under its old name).
    func sourceExists(_ table: TableName) throws -> Bool {
        try connection.execute("SELECT to_regclass($1) IS NOT NULL", [table.quoted]).scalar == "t"
    }

    /// The primary key's columns, found by `oid` where known (a table renamed since install
    /// is still captured under its old name).
    func primaryKey(of table: TableName, oid: UInt32? = nil) throws -> [String] {
        try connection.execute("""
            SELECT a.attname FROM pg_index i
            JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = coalesce($2::oid, to_regclass($1)::oid) AND i.indisprimary
            ORDER BY k.position
            """, [table.quoted, oid.map(String.init)]).rows.compactMap { $0[0] }
    }
}
