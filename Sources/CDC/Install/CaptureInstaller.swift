import Postgres

/// Installs and uninstalls change capture on source tables, each call in one transaction
/// so that a failure leaves nothing half-installed.
public struct CaptureInstaller {
    public struct Options: Sendable {
        /// Copy the existing rows into the capture table as `_op = 'R'` on first install.
        public var snapshot = true
        /// The role the streaming daemon connects as; granted what it needs.
        public var streamerRole: String? = nil
        /// Hand the database to a new lake: free the consumer claim and capture every row
        /// again, so the lake whose daemon starts next begins complete.
        public var takeover = false
        /// The capture mode; nil keeps the installed one (trigger for a first install).
        public var capture: CaptureMode? = nil
        /// The connection string, for logical capture's replication connection.
        public var dsn: String? = nil
        public init() {}
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Installs capture for `tables`, returning one summary line per table.
    public func install(_ tables: [TableName], options: Options = .init()) throws -> [String] {
        var mode = CaptureMode.trigger
        var lines = try inTransaction {
            try connection.executeScript(CaptureSQL.install)
            let installed = try CaptureMode.read(connection)
            mode = options.capture ?? installed
            let captured = Set(try connection.execute("SELECT format('%I.%I', source_schema, source_table) FROM cdc.captured_tables")
                .rows.compactMap { $0[0] })
            if !captured.isEmpty && mode != installed {
                throw CaptureError(.invalidInput, message: "Capture is installed here in \(installed.rawValue) mode; run `medallion uninstall` first to switch to \(mode.rawValue) capture (bronze can stay: re-baseline it like after a restore).")
            }
            if mode == .logical {
                if options.takeover {
                    throw CaptureError(.invalidInput, message: "--takeover is for trigger capture; with logical capture, uninstall and install again for the new lake.")
                }
                let level = try connection.execute("SHOW wal_level").scalar
                guard level == "logical" else {
                    throw CaptureError(.invalidInput, message: "Logical capture needs wal_level = logical (the server has \(level ?? "unknown")); set it in postgresql.conf and restart PostgreSQL, or use trigger capture.")
                }
                try CaptureMode.record(.logical, connection, streamerRole: options.streamerRole)
            }
            if let role = options.streamerRole {
                let exists = try connection.execute("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rows.count == 1
                guard exists else {
                    throw CaptureError(.invalidInput, message: "The streamer role \(role) does not exist; create it (see sql/retail.sql) or pass another --streamer-role.")
                }
            }
            var lines = try tables.map { table in
                try checkExists(table)
                return try translating(table) {
                    // Logical capture takes its snapshot from the slot's, below.
                    let snapshot = options.snapshot && mode == .trigger
                    return try connection.execute("SELECT cdc.install_table($1::regclass, $2::boolean, $3::name)",
                                                  [table.quoted, snapshot ? "true" : "false", options.streamerRole]).scalar ?? ""
                }
            }
            if mode == .logical {
                for table in tables {
                    try LogicalCapturePreparation.check(table, connection)
                    // The full old row in every UPDATE and DELETE: bronze keeps the old image of
                    // deletes and the real value of unchanged TOASTed columns, as with triggers.
                    // Uninstall sets the one recorded here again.
                    try ReplicaIdentity.setFull(table, connection)
                }
            }
            if options.takeover {
                lines.append(try connection.execute("SELECT cdc.hand_over()").scalar ?? "")
            }
            return lines
        }
        if mode == .logical {
            guard let dsn = options.dsn else {
                throw CaptureError(.invalidInput, message: "Logical capture needs the connection string for its replication connection.")
            }
            lines += try LogicalCapturePreparation(connection: connection, dsn: dsn).install(tables, snapshot: options.snapshot)
        }
        return lines
    }

    /// Removes capture from `tables`; when none is left, removes the shared objects too.
    /// With logical capture, `dsn` is needed to drop the slot.
    public func uninstall(_ tables: [TableName], dsn: String? = nil) throws -> [String] {
        var lines: [String] = []
        if try CaptureMode.read(connection) == .logical {
            guard let dsn else {
                throw CaptureError(.invalidInput, message: "Logical capture needs the connection string to drop its replication slot.")
            }
            lines = try LogicalCaptureSetup(slot: try CaptureMode.slot(connection),
                                            connection: connection, dsn: dsn).uninstall(tables.map(\.quoted))
        }
        return try lines + inTransaction {
            let installed = try connection.execute("SELECT to_regclass('cdc.captured_tables') IS NOT NULL").scalar == "t"
            guard installed else { return ["capture is not installed in this database; nothing to remove"] }
            var lines = try tables.flatMap { table in
                try checkExists(table)
                return try translating(table) {
                    let restored = try ReplicaIdentity.restore(table, connection)
                    let line = try connection.execute("SELECT cdc.uninstall_table($1::regclass)", [table.quoted]).scalar ?? ""
                    return [line] + [restored].compactMap { $0 }
                }
            }
            if try connection.execute("SELECT count(*) FROM cdc.captured_tables").scalar == "0" {
                try connection.executeScript(CaptureSQL.uninstallShared)
                lines.append("no table is captured any more: removed the cdc schema objects")
            }
            return lines
        }
    }

    private func checkExists(_ table: TableName) throws {
        let found = try connection.execute("SELECT to_regclass($1) IS NOT NULL", [table.quoted]).scalar == "t"
        guard found else {
            let database = try connection.execute("SELECT current_database()").scalar ?? "?"
            throw CaptureError(.invalidInput, message: "Table \(table) does not exist in database \(database); check the name (schema.name) and MEDALLION_DSN. A captured table renamed since install is still captured under its old name: rename it back first.")
        }
    }

    private func translating<T>(_ table: TableName, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError where error.code == .query {
            if error.sqlState == "42501" {
                throw CaptureError(.invalidInput, message: "Cannot install capture on \(table): \(error.message); connect as the table's owner or a superuser.")
            }
            throw CaptureError(.schema, message: "Cannot change capture on \(table): \(error.message).")
        }
    }

    private func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try connection.execute("BEGIN")
        do {
            let value = try body()
            try connection.execute("COMMIT")
            return value
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
