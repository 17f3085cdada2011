import Postgres

/// Creates and removes what logical capture needs in the source database: a
/// publication of the captured tables, a second one of their capture tables for the rows
/// DDL makes capture again (`restatePublication`), and a pgoutput slot that keeps their
/// changes.
///
/// Install is idempotent (an existing publication gets the missing tables, an existing
/// slot is kept with its position); uninstall removes the tables from the publication
/// and, once it is empty, drops the publications and the slot, so no slot is left to hold
/// WAL back with nobody reading it.
struct LogicalCaptureSetup {
    var publication = CaptureMode.publication
    /// Inserts of `_op = 'S'` into the capture tables: rows `cdc.install_table` captures
    /// again after DDL, in the DDL's transaction; and of `_op = 'E'`: the rows a TRUNCATE
    /// of one partition removes (pgoutput publishes a partitioned table's changes as the
    /// table's, `publish_via_partition_root`, and sends no such TRUNCATE). pgoutput
    /// refuses to decode a transaction older than a publication it is asked for, so this
    /// one is only ever created before the slot; a slot made without it streams without
    /// it (PostgreSQL 14 has no row filter).
    var restatePublication = CaptureMode.restatePublication
    var slot = "medallion_capture"
    let connection: PostgresConnection
    /// A connection string for the replication connection that creates and drops the slot.
    let dsn: String

    /// Publishes `tables` (quoted, schema-qualified names) and creates the slot when missing.
    /// - Parameter snapshot: called with the name of the snapshot the new slot exported,
    ///   while it is valid: it sees exactly the transactions the slot will not send.
    /// - Returns: one summary line per action.
    /// - Parameter captureTables: the capture tables of `tables` (quoted, schema-qualified),
    ///   for the restate publication.
    func install(_ tables: [String], captureTables: [String] = [], snapshot: ((String) throws -> [String])? = nil) throws -> [String] {
        try ReplicationConnection.checkSlotName(slot)
        let level = try connection.execute("SHOW wal_level").scalar
        guard level == "logical" else {
            throw CaptureError(.invalidInput, message: "Logical capture needs wal_level = logical (the server has \(level ?? "unknown")); set it in postgresql.conf and restart PostgreSQL, or use trigger capture.")
        }
        var lines: [String] = []
        let name = PostgresConnection.quoteIdentifier(publication)
        let published = try publishedTables()
        // nil when the publication does not exist.
        let viaRoot = try publishesViaRoot(publication)
        let exists = viaRoot != nil
        let missing = try tables.filter { !published.contains(try oid(of: $0)) }
        if !exists {
            try connection.execute("CREATE PUBLICATION \(name) FOR TABLE \(tables.joined(separator: ", ")) WITH (publish_via_partition_root = true)")
            lines.append("publication \(publication) for \(tables.count) tables")
        } else if viaRoot != "t" {
            // Earlier versions published partitions under their own names, which stopped the daemon.
            try connection.execute("ALTER PUBLICATION \(name) SET (publish_via_partition_root = true)")
            lines.append("publication \(publication): changes of partitions published as their partitioned table's")
        }
        if exists && !missing.isEmpty {
            try connection.execute("ALTER PUBLICATION \(name) ADD TABLE \(missing.joined(separator: ", "))")
            lines.append("publication \(publication): added \(missing.count) tables")
        }
        let slotExists = try LogicalSlotStatus.read(slot, on: connection) != nil
        if !captureTables.isEmpty {
            lines += try publishRestatements(captureTables, slotExists: slotExists)
        }
        if !slotExists {
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
        if try restatePublicationExists() {
            try connection.execute("DROP PUBLICATION \(PostgresConnection.quoteIdentifier(restatePublication))")
            lines.append("dropped publication \(restatePublication)")
        }
        if try LogicalSlotStatus.read(slot, on: connection) != nil {
            let replication = try ReplicationConnection(dsn: dsn, applicationName: "medallion uninstall")
            defer { replication.close() }
            try replication.dropSlot(slot, wait: false)
            lines.append("dropped slot \(slot)")
        }
        return lines
    }

    /// Whether the restate publication exists (the daemon asks pgoutput for it only then).
    func restatePublicationExists() throws -> Bool {
        try connection.execute("SELECT 1 FROM pg_publication WHERE pubname = $1", [restatePublication]).rows.count == 1
    }

    /// Creates the restate publication before a new slot, or adds missing capture tables to
    /// an existing one; a slot that exists without it goes on without it.
    private func publishRestatements(_ captureTables: [String], slotExists: Bool) throws -> [String] {
        let name = PostgresConnection.quoteIdentifier(restatePublication)
        let filtered = { (tables: [String]) in tables.map { "\($0) WHERE (_op = 'S' OR _op = 'E')" }.joined(separator: ", ") }
        if try restatePublicationExists() {
            var lines: [String] = []
            // A capture table that trigger capture rotates is partitioned: its rows must
            // arrive under its own name, as the daemon knows it.
            if try publishesViaRoot(restatePublication) != "t" {
                try connection.execute("ALTER PUBLICATION \(name) SET (publish = 'insert', publish_via_partition_root = true)")
                lines.append("publication \(restatePublication): rows of partitioned capture tables published as the table's")
            }
            let published = try publishedTables(restatePublication)
            let missing = try captureTables.filter { !published.contains(try oid(of: $0)) }
            guard !missing.isEmpty else { return lines }
            try connection.execute("ALTER PUBLICATION \(name) ADD TABLE \(filtered(missing))")
            return lines + ["publication \(restatePublication): added \(missing.count) capture tables"]
        }
        guard !slotExists else {
            return ["slot \(slot) predates publication \(restatePublication): rows that DDL captures again (RENAME COLUMN, a retype, ADD COLUMN ... DEFAULT) are not streamed; re-baseline (uninstall, install --capture logical) to get them"]
        }
        let version = Int(try connection.execute("SHOW server_version_num").scalar ?? "") ?? 0
        guard version >= 150000 else {
            return ["PostgreSQL \(version / 10000) has no publication row filters: rows that DDL captures again are not streamed; re-baseline after such DDL"]
        }
        try connection.execute("CREATE PUBLICATION \(name) FOR TABLE \(filtered(captureTables)) WITH (publish = 'insert', publish_via_partition_root = true)")
        return ["publication \(restatePublication) for \(captureTables.count) capture tables (rows DDL captures again)"]
    }

    /// Whether the publication sends its partitions' changes as their root's ("t" or "f"),
    /// nil when it does not exist.
    private func publishesViaRoot(_ name: String) throws -> String? {
        try connection.execute("SELECT pubviaroot FROM pg_publication WHERE pubname = $1", [name]).scalar
    }

    /// The OIDs of the tables the publication holds (names compare badly: quoting varies).
    private func publishedTables(_ name: String? = nil) throws -> Set<String> {
        Set(try connection.execute("""
            SELECT format('%I.%I', schemaname, tablename)::regclass::oid::text
            FROM pg_publication_tables WHERE pubname = $1
            """, [name ?? publication]).rows.compactMap { $0[0] })
    }

    private func oid(of table: String) throws -> String {
        try connection.execute("SELECT $1::regclass::oid::text", [table]).scalar ?? ""
    }
}
