import Lake
import Postgres
import LakeContract

/// What a capture session checks before it reads or prunes anything: that it is the only
/// daemon on this database (a session advisory lock), that the database is consumed by
/// this lake and no other (`cdc.consumer`), and that the database is the one the
/// bookmark's positions came from (not restored, not a standby that lost the tail).
struct SourceGuard {
    /// The advisory lock key of the capture session ("medallio").
    static let lockKey: Int64 = 0x6D65_6461_6C6C_696F

    let connection: PostgresConnection
    let lake: any LakeStorage

    /// Runs every check; returns `bookmark` carrying the source identity (recorded with
    /// the next commit when it had none). `reconnect`: a lock held by another session is
    /// then taken for this daemon's own earlier session, not yet gone, and retried.
    func check(_ bookmark: Bookmark, identity: LakeIdentity, reconnect: Bool) throws -> Bookmark {
        try takeLock(reconnect: reconnect)
        try claim(identity)
        return try checkSource(bookmark)
    }

    private func takeLock(reconnect: Bool) throws {
        guard try connection.execute("SELECT pg_try_advisory_lock($1::bigint)", [String(Self.lockKey)]).scalar != "t" else { return }
        let holder = try connection.execute("""
            SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), coalesce(a.backend_start::text, '?')
            FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = ($1::bigint >> 32)::oid AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1 AND l.granted
            """, [String(Self.lockKey)]).rows.first
        let who = holder.map { "pid \($0[0] ?? "?") ('\($0[1] ?? "")' from \($0[2] ?? "?"), connected \($0[3] ?? "?"))" } ?? "another session"
        let message = "Another medallion daemon already captures this database: \(who). One database feeds one lake; stop that daemon first."
        if reconnect {
            throw PostgresError(.query, sqlState: "55P03", message: message)
        }
        throw CaptureError(.locked, message: message)
    }

    /// Claims the database for this lake, or throws naming the lake that has it.
    private func claim(_ identity: LakeIdentity) throws {
        let lakeName = lake.description
        try connection.execute("""
            INSERT INTO cdc.consumer (only_one, lake_id, lake, claimed_at) VALUES (true, $1, $2, now())
            ON CONFLICT (only_one) DO UPDATE SET lake_id = EXCLUDED.lake_id, lake = EXCLUDED.lake, claimed_at = EXCLUDED.claimed_at
            WHERE cdc.consumer.lake_id IS NULL AND cdc.consumer.handed_over_from IS DISTINCT FROM EXCLUDED.lake_id
            """, [identity.lakeId, lakeName])
        try Self.checkConsumer(connection, identity: identity, lake: lakeName)
    }

    /// Throws unless `cdc.consumer` names this lake (also checked whenever the install changes).
    static func checkConsumer(_ connection: PostgresConnection, identity: LakeIdentity, lake: String) throws {
        let row = try connection.execute("SELECT lake_id, coalesce(lake, ''), coalesce(handed_over_from, '') FROM cdc.consumer").rows.first
        if let row, row[0] == identity.lakeId { return }
        if let row, row[0] == nil, row[2] == identity.lakeId {
            throw CaptureError(.locked, message: "This database was handed to another lake (`medallion install --takeover`); \(lake) (lake id \(identity.lakeId)) no longer consumes it. This daemon stops.")
        }
        let holder = row.map { "\($0[1] ?? "") (lake id \($0[0] ?? "?"))" } ?? "no lake"
        throw CaptureError(.locked, message: "This database's changes are consumed by \(holder), not by \(lake) (lake id \(identity.lakeId)); two lakes would each get part of the stream. To move the stream to this lake, run `medallion install --takeover` (it captures every row again, so this lake starts complete).")
    }

    private func checkSource(_ bookmark: Bookmark) throws -> Bookmark {
        let source = try SourceIdentity.read(connection)
        var bookmark = bookmark
        if let recorded = bookmark.source, recorded.systemIdentifier != source.systemIdentifier || recorded.databaseOid != source.databaseOid {
            throw CaptureError(.lakeState, message: "The source is not the database this lake's bookmark came from: it is \(source.description), the bookmark was written from \(recorded.description). The database was restored or re-created, or MEDALLION_DSN points elsewhere. Nothing was read or pruned; see \"Restore and failover\" in the README to re-baseline.")
        }
        if bookmark.batch > 0 {
            let next = UInt64(try connection.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").scalar ?? "0") ?? 0
            if next < bookmark.watermark {
                throw CaptureError(.lakeState, message: "The source's transaction ids went back: the next id is \(next), but bronze already holds changes up to \(bookmark.watermark). The server was restored from a backup or failed over to a standby that lost recent transactions. Nothing was read or pruned; see \"Restore and failover\" in the README to re-baseline.")
            }
        }
        bookmark.source = source
        return bookmark
    }
}
