import Postgres

/// How changes reach the daemon: capture tables filled by triggers (the default), or a
/// logical replication slot with the `pgoutput` plugin (`install --capture logical`).
/// The install records it in `cdc.settings`; `run`, `verify` and `uninstall` read it there.
public enum CaptureMode: String, Sendable, CaseIterable {
    case trigger
    case logical

    /// The publication logical capture uses (one per database).
    static let publication = "medallion_capture"
    /// The publication of the rows DDL captures again (see `LogicalCaptureSetup`).
    static let restatePublication = "medallion_restate"

    /// The slot logical capture uses: slot names are per server, so the database's OID is
    /// in it (a database restored under a new OID has no slot: it is re-baselined).
    static func slot(_ connection: PostgresConnection) throws -> String {
        "medallion_" + (try connection.execute("SELECT oid::text FROM pg_database WHERE datname = current_database()").scalar ?? "0")
    }

    /// The mode the database's install records (trigger when none is recorded).
    static func read(_ connection: PostgresConnection) throws -> CaptureMode {
        guard try connection.execute("SELECT to_regclass('cdc.settings') IS NOT NULL").scalar == "t" else { return .trigger }
        let value = try connection.execute("SELECT value FROM cdc.settings WHERE name = 'capture'").scalar
        return value.flatMap(CaptureMode.init(rawValue:)) ?? .trigger
    }

    /// Refuses, with what to do, a role that cannot open logical capture's replication
    /// connection (the server would only say "must be superuser or replication role").
    static func checkReplicationRole(_ connection: PostgresConnection) throws {
        let row = try connection.execute("SELECT current_user, rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user").rows.first
        guard row?[1] == "t" else {
            let name = row?[0] ?? "medallion_streamer"
            let plain = name.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
            let role = plain ? name : PostgresConnection.quoteIdentifier(name)
            throw CaptureError(.invalidInput, message: "Logical capture streams a replication slot, so the daemon's role \(role) needs the REPLICATION attribute: as a superuser, ALTER ROLE \(role) REPLICATION (see \"Security\" in the README).")
        }
    }

    /// Creates `cdc.settings` and records `mode` (in the caller's transaction).
    static let settingsSQL = """
        CREATE TABLE IF NOT EXISTS cdc.settings (name text PRIMARY KEY, value text NOT NULL);
        """

    static func record(_ mode: CaptureMode, _ connection: PostgresConnection, streamerRole: String?) throws {
        try connection.executeScript(settingsSQL)
        try connection.execute("""
            INSERT INTO cdc.settings (name, value) VALUES ('capture', $1)
            ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value
            """, [mode.rawValue])
        if let streamerRole {
            try connection.execute("GRANT SELECT ON cdc.settings TO \(PostgresConnection.quoteIdentifier(streamerRole))")
        }
    }
}
