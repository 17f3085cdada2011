import Foundation
import Testing
import TestSupport
@testable import CDC

/// A Unix-domain socket holds a few hundred small messages, against megabytes for TCP:
/// a reader that pauses for a batch window leaves the WAL sender blocked on the full
/// socket, and a steady load then outruns capture.
@Suite("Logical capture over a Unix socket", .serialized)
struct LogicalSocketTests {
    @Test("transactions arriving inside a long batch window are read as they come, not when the window ends")
    func burstInsideAWindowIsReadOn() throws {
        let database = try RetailDatabase(mode: .logical)
        defer { database.drop() }
        let socketDSN = "host=\(database.cluster.directory) port=\(database.cluster.port) dbname=\(database.name) user=postgres"
        // A window far longer than the wait below: the batch is published only when the
        // daemon stops.
        let daemon = try database.startDaemon(["MEDALLION_DSN": socketDSN, "MEDALLION_MAX_DELAY": "600s"])
        var running = true
        defer { if running { daemon.signal(SIGKILL); _ = try? daemon.waitForExit() } }
        // The stream starts after the daemon reports it caught up with its bookmark.
        let clientAddress = try Poll.until("the daemon's WAL sender is streaming", timeout: 60) {
            let row = try database.sql("SELECT coalesce(client_addr::text, 'local') FROM pg_stat_replication")
            return row.isEmpty ? nil : row
        }
        #expect(clientAddress == "local", "the daemon streams over the Unix socket")
        // The first transaction opens the batch window; then a burst of 200 transactions,
        // far more than the socket holds.
        try database.insertOrders(1)
        try database.sql("""
            DO $$ BEGIN FOR t IN 1 .. 200 LOOP
                INSERT INTO orders (branch, customer, amount, status)
                SELECT 'burst', 'customer-' || g, 1, 'NEW' FROM generate_series(1, 50) g;
                COMMIT;
            END LOOP; END $$
            """)
        let end = try database.sql("SELECT pg_current_wal_lsn()")
        try Poll.until("the WAL sender sent everything up to \(end) while the window is open", timeout: 90) {
            try database.sql("""
                SELECT r.sent_lsn >= '\(end)' FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
                WHERE s.database = current_database()
                """) == "t"
        }
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        running = false
        let next = try database.startDaemon(["MEDALLION_DSN": socketDSN])
        defer { next.signal(SIGTERM); _ = try? next.waitForExit() }
        #expect(try database.verify().isClean)
        #expect(try database.sql("SELECT count(*) FROM orders") == "10001")
    }
}
