import LakeContract
import Postgres

extension SourceIdentity {
    /// What the source connected to says it is.
    static func read(_ connection: PostgresConnection) throws -> SourceIdentity {
        let row = try connection.execute("""
            SELECT (SELECT system_identifier::text FROM pg_control_system()), d.oid::text, d.datname
            FROM pg_database d WHERE d.datname = current_database()
            """).rows.first
        return SourceIdentity(systemIdentifier: row?[0] ?? "", databaseOid: row?[1] ?? "", database: row?[2] ?? "")
    }
}
