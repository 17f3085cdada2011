import Postgres

/// A logical slot as `pg_replication_slots` shows it: how much WAL it holds back and
/// how far its consumer is behind (for `status` and `/metrics`).
struct LogicalSlotStatus: Hashable, Sendable {
    var slot: String
    var plugin: String?
    /// A consumer is streaming from it now.
    var isActive: Bool
    /// The position the consumer confirmed as stored.
    var confirmedFlush: LSN?
    /// WAL from `restart_lsn` to the server's current position, kept for the slot.
    var retainedBytes: Int64?
    /// WAL from the confirmed position to the server's current position.
    var lagBytes: Int64?
    /// `reserved`, `extended`, `unreserved`, or `lost` (invalidated: the WAL it
    /// needed was removed under `max_slot_wal_keep_size`; it can never stream again).
    var walStatus: String?

    var isLost: Bool { walStatus == "lost" }

    /// Reads the slot over a regular connection; nil when there is no such slot.
    static func read(_ slot: String, on connection: PostgresConnection) throws -> LogicalSlotStatus? {
        let rows = try connection.execute("""
            SELECT plugin, active, confirmed_flush_lsn,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, wal_status
            FROM pg_replication_slots WHERE slot_name = $1
            """, [slot])
        guard let row = rows.rows.first else { return nil }
        return LogicalSlotStatus(slot: slot, plugin: row[0], isActive: row[1] == "t", confirmedFlush: row[2].flatMap { LSN($0) },
                                 retainedBytes: row[3].flatMap { Int64($0) }, lagBytes: row[4].flatMap { Int64($0) },
                                 walStatus: row[5])
    }
}
