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
        public init() {}
    }

    let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Installs capture for `tables`, returning one summary line per table.
    public func install(_ tables: [TableName], options: Options = .init()) throws -> [String] {
        try inTransaction {
            try connection.executeScript(CaptureSQL.install)
            if let role = options.streamerRole {
                let exists = try connection.execute("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]).rows.count == 1
                guard exists else {
                    throw CaptureError(.invalidInput, message: "The streamer role \(role) does not exist; create it (see sql/retail.sql) or pass another --streamer-role.")
                }
            }
            var lines = try tables.map { table in
                try checkExists(table)
                return try translating(table) {
                    try connection.execute("SELECT cdc.install_table($1::regclass, $2::boolean, $3::name)",
                                           [table.quoted, options.snapshot ? "true" : "false", options.streamerRole]).scalar ?? ""
                }
            }
            if options.takeover {
                lines.append(try connection.execute("SELECT cdc.hand_over()").scalar ?? "")
            }
            return lines
        }
    }

    /// Removes capture from `tables`; when none is left, removes the shared objects too.
    public func uninstall(_ tables: [TableName]) throws -> [String] {
        try inTransaction {
            let installed = try connection.execute("SELECT to_regclass('cdc.captured_tables') IS NOT NULL").scalar == "t"
            guard installed else { return ["capture is not installed in this database; nothing to remove"] }
            var lines = try tables.map { table in
                try checkExists(table)
                return try translating(table) {
                    try connection.execute("SELECT cdc.uninstall_table($1::regclass)", [table.quoted]).scalar ?? ""
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
            throw CaptureError(.invalidInput, message: "Table \(table) does not exist in database \(database); check the name (schema.name) and MEDALLION_DSN.")
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
