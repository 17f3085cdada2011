import Foundation
import Testing
import TestSupport
@testable import CDC
import Postgres
import Lake

@Suite("Logical install", .serialized)
struct LogicalInstallTests {
    @Test("install --capture logical: mode recorded, no triggers, REPLICA IDENTITY FULL, publication, slot and its snapshot; uninstall drops them")
    func installAndUninstall() throws {
        let database = try RetailDatabase(capture: false, mode: .logical)
        defer { database.drop() }
        try database.insertOrders(5)
        let install = try database.medallion(["install", "--capture", "logical"])
        #expect(install.status == 0, "\(install.output)\(install.error)")
        #expect(install.output.contains("snapshot of 5 row(s)"), "\(install.output)")
        #expect(try database.sql("SELECT value FROM cdc.settings WHERE name = 'capture'") == "logical")
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "0")
        #expect(try database.sql("SELECT string_agg(relreplident::text, '' ORDER BY relname) FROM pg_class WHERE relname IN ('orders', 'ordershistory')") == "ff")
        #expect(try database.sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'medallion_capture'") == "2")
        #expect(try database.sql("SELECT string_agg(tablename || ':' || rowfilter, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'medallion_restate'")
                == "orders_changes:((_op = 'S'::text) OR (_op = 'E'::text)),ordershistory_changes:((_op = 'S'::text) OR (_op = 'E'::text))")
        #expect(try database.sql("SELECT pubviaroot FROM pg_publication WHERE pubname = 'medallion_capture'") == "t")
        #expect(try database.sql("SELECT plugin FROM pg_replication_slots WHERE database = current_database() AND slot_name = 'medallion_' || (SELECT oid FROM pg_database WHERE datname = current_database())") == "pgoutput")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE _op = 'R'") == "5")
        // Writes after the install reach the slot, not the capture tables.
        try database.insertOrders(2)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5")

        // Idempotent, and the mode stays; switching needs an uninstall first.
        #expect(try database.medallion(["install"]).status == 0)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5")
        let switching = try database.medallion(["install", "--capture", "trigger"])
        #expect(switching.status != 0)
        #expect(switching.error.contains("uninstall"), "\(switching.error)")

        let uninstall = try database.medallion(["uninstall"])
        #expect(uninstall.status == 0, "\(uninstall.output)\(uninstall.error)")
        #expect(try database.sql("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()") == "0")
        #expect(try database.sql("SELECT count(*) FROM pg_publication") == "0")
        #expect(try database.sql("SELECT to_regclass('cdc.settings') IS NULL") == "t")
    }

    @Test("uninstall sets each table's replica identity back to what install found: DEFAULT, FULL, USING INDEX")
    func uninstallRestoresReplicaIdentity() throws {
        let database = try RetailDatabase(capture: false, mode: .logical)
        defer { database.drop() }
        try database.sql("""
            ALTER TABLE ordershistory REPLICA IDENTITY FULL;
            CREATE TABLE coupons (id int PRIMARY KEY, code text NOT NULL, percent int);
            CREATE UNIQUE INDEX "coupons Code" ON coupons (code);
            ALTER TABLE coupons REPLICA IDENTITY USING INDEX "coupons Code";
            """)
        let identities = """
            SELECT string_agg(c.relname || ':' || c.relreplident::text || coalesce(':' || i.relname, ''), ',' ORDER BY c.relname)
            FROM pg_class c LEFT JOIN pg_index x ON x.indrelid = c.oid AND x.indisreplident LEFT JOIN pg_class i ON i.oid = x.indexrelid
            WHERE c.relname IN ('orders', 'ordershistory', 'coupons')
            """
        let before = try database.sql(identities)
        #expect(before == "coupons:i:coupons Code,orders:d,ordershistory:f")
        let tables = ["orders", "ordershistory", "coupons"]
        for _ in 0..<2 {
            // The second install finds FULL everywhere and keeps what the first one recorded.
            let install = try database.medallion(["install", "--capture", "logical"] + tables)
            #expect(install.status == 0, "\(install.output)\(install.error)")
            #expect(try database.sql(identities) == "coupons:f,orders:f,ordershistory:f")
        }
        let first = try database.medallion(["uninstall", "orders"])
        #expect(first.status == 0, "\(first.output)\(first.error)")
        #expect(try database.sql(identities) == "coupons:f,orders:d,ordershistory:f", "\(first.output)")
        let uninstall = try database.medallion(["uninstall", "ordershistory", "coupons"])
        #expect(uninstall.status == 0, "\(uninstall.output)\(uninstall.error)")
        #expect(try database.sql(identities) == before, "\(uninstall.output)")
        #expect(try database.sql("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()") == "0")
        #expect(try database.sql("SELECT count(*) FROM pg_publication") == "0")
        #expect(try database.sql("SELECT to_regclass('cdc.settings') IS NULL") == "t")
    }

    @Test("a column the capture table lacks stops logical capture with what to do; after install the unconfirmed changes arrive")
    func columnMissingFromCaptureTable() throws {
        let database = try RetailDatabase(mode: .logical)
        defer { database.drop() }
        try database.sql("ALTER EVENT TRIGGER medallion_follow_ddl DISABLE")
        try database.sql("ALTER TABLE orders ADD COLUMN channel text")
        try database.insertOrders(2)
        let stopped = try database.startDaemon()
        #expect(try stopped.waitForExit() != 0)
        #expect(stopped.output.contains("medallion install orders"), "\(stopped.output)")
        try database.sql("ALTER EVENT TRIGGER medallion_follow_ddl ENABLE")
        #expect(try database.medallion(["install", "orders"]).status == 0)
        let daemon = try database.startDaemon()
        let report = try database.verify()
        #expect(report.isClean, "\(report)")
        #expect(report.tables[0].matching == 2)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    /// Runs `ddl` with the event trigger off (as for an install without a superuser), then
    /// `medallion install orders`, which follows it.
    static func installAfter(_ ddl: String, _ database: RetailDatabase) throws -> CommandResult {
        try database.sql("ALTER EVENT TRIGGER medallion_follow_ddl DISABLE")
        defer { _ = try? database.sql("ALTER EVENT TRIGGER medallion_follow_ddl ENABLE") }
        try database.sql(ddl)
        return try database.medallion(["install", "orders"])
    }

    /// Trigger capture re-captures every row after a rename, a retype or a column added with
    /// a default; logical capture sends those rows through the restate publication, in the
    /// DDL's transaction, and never leaves them in the capture table (the daemon reads that
    /// only for the initial snapshot).
    @Test("rows DDL captures again reach bronze through the stream, in order with the changes around them")
    func ddlCapturesRowsAgainThroughTheStream() throws {
        let database = try RetailDatabase(mode: .logical)
        defer { database.drop() }
        #expect(try database.sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'medallion_restate'") == "2")
        try database.insertOrders(4)
        let rows = "SELECT count(*) FROM cdc.orders_changes"
        let before = try database.sql(rows)
        try withDaemon(database) { _ in
            // Changes before and after the DDL in its own transaction keep their order.
            try database.sql("""
                BEGIN;
                UPDATE orders SET customer = 'before' WHERE id = 1;
                ALTER TABLE orders RENAME COLUMN customer TO client;
                UPDATE orders SET client = 'after' WHERE id = 2;
                DELETE FROM ordershistory WHERE order_id = 3;
                DELETE FROM orders WHERE id = 3;
                COMMIT;
                """)
            #expect(try database.sql(rows) == before)
            try database.sql("ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14,4)")
            let install = try Self.installAfter("ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web'", database)
            #expect(install.status == 0, "\(install.output)\(install.error)")
            #expect(install.output.contains("3 row(s) captured again through the replication stream"), "\(install.output)")
            #expect(try database.sql(rows) == before)
            try SemanticsTests.expectAgreement(database, "orders", key: ["id"], columns: ["id", "client", "amount", "channel"])
            #expect(try database.sql("SELECT string_agg(client, ',' ORDER BY id) FROM orders").contains("before,after"))
        }
    }

    /// A slot made before the restate publication existed cannot be asked for it (pgoutput
    /// refuses a publication younger than the transaction it decodes): without it, such DDL
    /// captures no rows again, and install says to re-baseline.
    @Test("without the restate publication, DDL captures no rows again and install says to re-baseline")
    func withoutRestatePublication() throws {
        let database = try RetailDatabase(mode: .logical)
        defer { database.drop() }
        try database.sql("DROP PUBLICATION medallion_restate")
        try database.insertOrders(3)
        let rows = "SELECT count(*) FROM cdc.orders_changes"
        let before = try database.sql(rows)
        try database.sql("ALTER TABLE orders RENAME COLUMN customer TO client")
        #expect(try database.sql(rows) == before)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE client IS NOT NULL") == "0")
        let install = try Self.installAfter("ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web'", database)
        #expect(install.status == 0, "\(install.output)\(install.error)")
        #expect(install.output.contains("re-baseline"), "\(install.output)")
        #expect(install.output.contains("predates publication medallion_restate"), "\(install.output)")
        #expect(try database.sql("SELECT count(*) FROM pg_publication WHERE pubname = 'medallion_restate'") == "0")
        #expect(try database.sql(rows) == before)
        // The daemon streams without it.
        try withDaemon(database) { _ in
            try database.sql("INSERT INTO ordershistory (order_id, status) VALUES (1, 'INTRANSIT')")
            let report = try database.verify(tables: [TableName(name: "ordershistory")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 4)
        }
    }

    @Test("status shows the slot; an invalidated slot stops the daemon with what to do")
    func slotStatusAndInvalidation() throws {
        let cluster = try PostgresCluster.start(settings: ["wal_level": "logical", "max_slot_wal_keep_size": "1MB"])
        defer { try? cluster.stop() }
        let name = try cluster.makeDatabase("retail")
        try cluster.psqlFile(Repository.root + "/sql/retail.sql", database: name)
        var options = CaptureInstaller.Options()
        options.capture = .logical
        options.dsn = cluster.dsn(database: name)
        _ = try CaptureInstaller(connection: PostgresConnection(dsn: cluster.dsn(database: name))).install(TableName.retailDefaults, options: options)
        let lake = try Repository.temporaryDirectory("medallion-lake")
        defer { try? FileManager.default.removeItem(atPath: lake) }
        let status = try StatusReader(dsn: cluster.dsn(database: name), lake: LocalLake(root: lake)).read()
        #expect(status.captureMode == "logical")
        #expect(status.slot?.retainedWalBytes != nil && status.slot?.walStatus != "lost", "\(String(describing: status.slot))")

        // More WAL than max_slot_wal_keep_size while nobody reads the slot: a checkpoint drops it.
        for _ in 0..<4 {
            try cluster.psql("INSERT INTO orders (branch, customer, amount, status) VALUES ('a', 'c', 1, 'NEW'); SELECT pg_switch_wal();", database: name)
        }
        try cluster.psql("CHECKPOINT")
        #expect(try StatusReader(dsn: cluster.dsn(database: name), lake: LocalLake(root: lake)).read().slot?.walStatus == "lost")
        let daemon = try ChildProcess(Repository.medallionExecutable(), ["run"], environment: [
            "MEDALLION_DSN": cluster.dsn(database: name), "MEDALLION_LAKE": lake, "MEDALLION_METRICS_ADDRESS": "127.0.0.1:0",
            "MEDALLION_STAGES": "off",
        ])
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.output.contains("was invalidated"), "\(daemon.output)")
    }

    /// pgoutput (PostgreSQL 15) sends no generated column: bronze would hold NULL where the
    /// source holds a value. Install refuses such a table; one added later stops capture.
    @Test("a generated column is refused at install, and one added later stops capture with what to do")
    func generatedColumns() throws {
        let database = try RetailDatabase(capture: false, mode: .logical)
        defer { database.drop() }
        try database.sql("CREATE TABLE totals (id int PRIMARY KEY, amount numeric(12,2), doubled numeric(12,2) GENERATED ALWAYS AS (amount * 2) STORED)")
        let refused = try database.medallion(["install", "--capture", "logical", "totals"])
        #expect(refused.status != 0)
        #expect(refused.error.contains("generated column doubled"), "\(refused.error)")
        try database.sql("ALTER TABLE totals ALTER COLUMN doubled DROP EXPRESSION")
        let install = try database.medallion(["install", "--capture", "logical", "orders", "ordershistory", "totals"])
        #expect(install.status == 0, "\(install.output)\(install.error)")
        try database.sql("ALTER TABLE totals ADD COLUMN tripled numeric(12,2) GENERATED ALWAYS AS (amount * 3) STORED")
        try database.sql("INSERT INTO totals (id, amount) VALUES (1, 2.50)")
        let stopped = try database.startDaemon()
        #expect(try stopped.waitForExit() != 0)
        #expect(stopped.output.contains("generated column tripled"), "\(stopped.output)")
    }

    @Test("install --capture logical refuses a server without wal_level = logical and leaves nothing behind")
    func refusesWithoutLogicalWAL() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let install = try database.medallion(["install", "--capture", "logical"])
        #expect(install.status != 0)
        #expect(install.error.contains("wal_level = logical"), "\(install.error)")
        #expect(try database.sql("SELECT to_regclass('cdc.captured_tables') IS NULL") == "t", "the install's transaction rolled back")
    }
}
