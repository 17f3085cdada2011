import Postgres

/// Creates and removes what logical capture needs in the source database: a
/// publication of the captured tables and a pgoutput slot that keeps their changes.
///
/// Install is idempotent (an existing publication gets the missing tables, an existing
/// slot is kept with its position); uninstall removes the tables from the publication
/// and, once it is empty, drops the publication and the slot, so no slot is left to hold
/// WAL back with nobody reading it.
struct LogicalCaptureSetup {
    var publication = "medallion_capture"
    var slot = "medallion_capture"
    let connection: PostgresConnection
    /// A connection string for the replication connection that creates and drops the slot.
    let dsn: String

    /// Publishes `tables` (quoted, schema-qualified names) and creates the slot when missing.
    /// - Parameter snapshot: called with the name of the snapshot the new slot exported,
    ///   while it is valid: it sees exactly the transactions the slot will not send.
    /// - Returns: one summary line per action.
    func install(_ tables: [String], snapshot: ((String) throws -> [String])? = nil) throws -> [String] {
        try ReplicationConnection.checkSlotName(slot)
        let level = try connection.execute("SHOW wal_level").scalar
        guard level == "logical" else {
            throw CaptureError(.invalidInput, message: "Logical capture needs wal_level = logical (the server has \(level ?? "unknown")); set it in postgresql.conf and restart PostgreSQL, or use trigger capture.")
        }
        var lines: [String] = []
        let name = PostgresConnection.quoteIdentifier(publication)
        let published = try publishedTables()
        let exists = try connection.execute("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication]).rows.count == 1
        let missing = try tables.filter { !published.contains(try oid(of: $0)) }
        if !exists {
            try connection.execute("CREATE PUBLICATION \(name) FOR TABLE \(tables.joined(separator: ", "))")
            lines.append("publication \(publication) for \(tables.count) tables")
        } else if !missing.isEmpty {
            try connection.execute("ALTER PUBLICATION \(name) ADD TABLE \(missing.joined(separator: ", "))")
            lines.append("publication \(publication): added \(missing.count) tables")
        }
        if try LogicalSlotStatus.read(slot, on: connection) == nil {
            let replication = try ReplicationConnection(dsn: dsn, applicationName: "medallion install")
            defer { replication.close() }
            let created = try replication.createSlot(slot, exportSnapshot: snapshot != nil)
            lines.append("slot \(slot) from \(created.consistentPoint)")
            if let snapshot, let name = created.snapshotName {
                lines += try snapshot(name)
            }
        }
        return lines
    }

    /// Removes `tables` from the publication; drops publication and slot when none is left.
    func uninstall(_ tables: [String]) throws -> [String] {
        let name = PostgresConnection.quoteIdentifier(publication)
        let published = try publishedTables()
        var lines: [String] = []
        let leaving = try tables.filter { published.contains(try oid(of: $0)) }
        if !leaving.isEmpty, leaving.count < published.count {
            try connection.execute("ALTER PUBLICATION \(name) DROP TABLE \(leaving.joined(separator: ", "))")
            lines.append("publication \(publication): removed \(leaving.count) tables")
            return lines
        }
        guard leaving.count == published.count else { return lines }
        try connection.execute("DROP PUBLICATION IF EXISTS \(name)")
        lines.append("dropped publication \(publication)")
        if try LogicalSlotStatus.read(slot, on: connection) != nil {
            let replication = try ReplicationConnection(dsn: dsn, applicationName: "medallion uninstall")
            defer { replication.close() }
            try replication.dropSlot(slot, wait: false)
            lines.append("dropped slot \(slot)")
        }
        return lines
    }

    /// The OIDs of the tables the publication holds (names compare badly: quoting varies).
    private func publishedTables() throws -> Set<String> {
        Set(try connection.execute("""
            SELECT format('%I.%I', schemaname, tablename)::regclass::oid::text
            FROM pg_publication_tables WHERE pubname = $1
            """, [publication]).rows.compactMap { $0[0] })
    }

    private func oid(of table: String) throws -> String {
        try connection.execute("SELECT $1::regclass::oid::text", [table]).scalar ?? ""
    }
}
