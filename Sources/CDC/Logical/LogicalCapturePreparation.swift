import Postgres

/// The install steps of logical capture around `LogicalCaptureSetup`: which tables it can
/// capture, and the initial snapshot taken with the new slot.
///
/// The snapshot is the slot's exported one: it sees exactly the transactions that
/// committed before the slot's consistent point, and the slot streams exactly those
/// after it. Its rows go into the capture tables as `_op = 'R'` (triggers are off in this
/// mode), where the daemon reads them into bronze before it starts streaming; the stream's
/// changes get `_seq` values above them. So "snapshot + stream" has no gap and no repeat,
/// and writers are never locked out.
struct LogicalCapturePreparation {
    let connection: PostgresConnection
    let dsn: String

    /// Refuses a table with a column logical capture cannot decode: pgoutput sends every
    /// value in its type's binary format, and bronze keeps unsupported types as their text,
    /// which `LogicalText` gives for enums, interval, time, timetz and some arrays only.
    static func check(_ table: TableName, _ connection: PostgresConnection) throws {
        for column in try CaptureCatalog(connection: connection).columns(of: table) where column.postgresType.isUnsupported && LogicalText(column) == nil {
            throw CaptureError(.invalidInput, message: "Cannot capture \(table) with logical capture: column \(column.name) has a type bronze keeps as text and logical capture cannot print (it does \(LogicalText.supportedTypes)); use trigger capture for this table.")
        }
        if let generated = try generatedColumn(of: table, connection) {
            throw CaptureError(.invalidInput, message: "Cannot capture \(table) with logical capture: \(generatedReason(generated, of: table))")
        }
    }

    /// A generated column of `table`, if it has one: pgoutput (before PostgreSQL 18) does
    /// not send them, so bronze would hold NULL where the source holds a value.
    static func generatedColumn(of table: TableName, _ connection: PostgresConnection) throws -> String? {
        try connection.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated <> '' ORDER BY attnum LIMIT 1",
            [table.quoted]).scalar
    }

    static func generatedReason(_ column: String, of table: TableName) -> String {
        "generated column \(column) is not in the WAL stream pgoutput sends (bronze would hold NULL for it); drop its expression (ALTER TABLE \(table.quoted) ALTER COLUMN \(PostgresConnection.quoteIdentifier(column)) DROP EXPRESSION), or use trigger capture for this table."
    }

    /// Publishes `tables` and creates the slot; a new slot comes with the snapshot of
    /// every captured table (when `snapshot`). Tables cannot join an existing slot.
    func install(_ tables: [TableName], snapshot: Bool) throws -> [String] {
        let setup = LogicalCaptureSetup(slot: try CaptureMode.slot(connection), connection: connection, dsn: dsn)
        if try LogicalSlotStatus.read(setup.slot, on: connection) != nil {
            let published = Set(try connection.execute(
                "SELECT format('%I.%I', schemaname, tablename)::regclass::oid::text FROM pg_publication_tables WHERE pubname = $1",
                [setup.publication]).rows.compactMap { $0[0] })
            let oids = try tables.map { try connection.execute("SELECT $1::regclass::oid::text", [$0.quoted]).scalar ?? "" }
            if let index = oids.firstIndex(where: { !published.contains($0) }) {
                let table = tables[index]
                throw CaptureError(.invalidInput, message: "Cannot add \(table) to a running logical capture (its snapshot would not line up with the slot); run `medallion uninstall`, then install every table together.")
            }
        }
        let captured = try CaptureCatalog(connection: connection).load().map(\.table)
        return try setup.install(tables.map(\.quoted), captureTables: tables.map(\.quotedCaptureTable),
                                 snapshot: snapshot ? { name in try copy(captured, at: name) } : nil)
    }

    /// Copies every row of `tables`, as the exported snapshot `name` sees them, into their
    /// capture tables as `_op = 'R'`.
    private func copy(_ tables: [TableName], at name: String) throws -> [String] {
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        do {
            try connection.execute("SET TRANSACTION SNAPSHOT \(PostgresConnection.quoteLiteral(name))")
            let catalog = CaptureCatalog(connection: connection)
            var lines: [String] = []
            for table in tables {
                let columns = try catalog.columns(of: table).map { PostgresConnection.quoteIdentifier($0.name) }
                let list = columns.map { ", " + $0 }.joined()
                let partitioned = try connection.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = $1::regclass", [table.quoted]).scalar == "t"
                let rows = try connection.execute("""
                    INSERT INTO \(table.quotedCaptureTable) (_op\(list)) SELECT 'R'\(list) FROM \(partitioned ? "" : "ONLY ")\(table.quoted)
                    """).affectedRows
                lines.append("\(table): snapshot of \(rows) row(s) at the slot's consistent point")
            }
            try connection.execute("COMMIT")
            return lines
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
