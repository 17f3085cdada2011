import Postgres

/// A table's replica identity as logical capture found it. Install sets `FULL` and keeps
/// what was there in `cdc.settings` (row `replica_identity <table OID>`); uninstall puts it
/// back, so capture leaves the table as it was.
struct ReplicaIdentity: Equatable {
    enum Kind: String {
        case `default` = "d"
        case nothing = "n"
        case full = "f"
        case index = "i"
    }

    var kind: Kind
    /// The index of `USING INDEX` (in the table's schema), for `.index`.
    var index: String?

    /// The clause of `ALTER TABLE … REPLICA IDENTITY` that sets it.
    var clause: String {
        switch kind {
        case .default: "DEFAULT"
        case .nothing: "NOTHING"
        case .full: "FULL"
        case .index: "USING INDEX " + PostgresConnection.quoteIdentifier(index ?? "")
        }
    }

    /// How `cdc.settings` keeps it: the kind's letter, `i:<index>` for an index.
    var recorded: String {
        kind == .index ? "i:" + (index ?? "") : kind.rawValue
    }

    init(kind: Kind, index: String? = nil) {
        self.kind = kind
        self.index = index
    }

    init?(recorded: String) {
        if recorded.hasPrefix("i:") {
            self.init(kind: .index, index: String(recorded.dropFirst(2)))
        } else if let kind = Kind(rawValue: recorded), kind != .index {
            self.init(kind: kind)
        } else {
            return nil
        }
    }

    /// The table's replica identity now.
    static func current(of table: TableName, _ connection: PostgresConnection) throws -> ReplicaIdentity {
        let row = try connection.execute("""
            SELECT c.relreplident::text, (SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                                          WHERE x.indrelid = c.oid AND x.indisreplident)
            FROM pg_class c WHERE c.oid = $1::regclass
            """, [table.quoted]).rows.first
        let kind = row?[0].flatMap(Kind.init(rawValue:)) ?? .default
        return ReplicaIdentity(kind: kind, index: kind == .index ? row?[1] : nil)
    }

    /// Records the table's replica identity, unless an earlier install did (it holds the
    /// one from before capture), then sets `FULL`. In the caller's transaction, after
    /// `cdc.settings` exists.
    static func setFull(_ table: TableName, _ connection: PostgresConnection) throws {
        let previous = try current(of: table, connection)
        try connection.execute("""
            INSERT INTO cdc.settings (name, value) VALUES ('replica_identity ' || $1::regclass::oid, $2)
            ON CONFLICT (name) DO NOTHING
            """, [table.quoted, previous.recorded])
        if previous.kind != .full {
            try connection.execute("ALTER TABLE \(table.quoted) REPLICA IDENTITY FULL")
        }
    }

    /// Sets the replica identity install recorded for `table` again and forgets it.
    /// - Returns: a summary line, or nil when nothing was recorded (trigger capture).
    static func restore(_ table: TableName, _ connection: PostgresConnection) throws -> String? {
        guard try connection.execute("SELECT to_regclass('cdc.settings') IS NOT NULL").scalar == "t" else { return nil }
        guard let value = try connection.execute("""
            DELETE FROM cdc.settings WHERE name = 'replica_identity ' || $1::regclass::oid RETURNING value
            """, [table.quoted]).scalar else { return nil }
        var identity = ReplicaIdentity(recorded: value) ?? ReplicaIdentity(kind: .default)
        if identity.kind == .index {
            let exists = try connection.execute("""
                SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                WHERE x.indrelid = $1::regclass AND i.relname = $2
                """, [table.quoted, identity.index]).rows.count == 1
            // The index was dropped meanwhile: the key is the next best old image.
            if !exists { identity = ReplicaIdentity(kind: .default) }
        }
        guard try current(of: table, connection) != identity else { return nil }
        // Not followed by the DDL event trigger, which keeps FULL while the table is captured.
        try connection.execute("SELECT set_config('medallion.following_ddl', 'on', true)")
        try connection.execute("ALTER TABLE \(table.quoted) REPLICA IDENTITY \(identity.clause)")
        try connection.execute("SELECT set_config('medallion.following_ddl', 'off', true)")
        return "\(table): replica identity \(identity.clause) again"
    }
}
