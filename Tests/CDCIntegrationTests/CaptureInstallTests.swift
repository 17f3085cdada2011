import Foundation
import Testing
import TestSupport
@testable import CDC
import Postgres
import LakeContract

@Suite("Trigger install", .serialized)
struct CaptureInstallTests {
    @Test("install snapshots existing rows once, and is idempotent")
    func snapshotAndIdempotence() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.insertOrders(5)
        let installer = CaptureInstaller(connection: try database.connect())
        let lines = try installer.install(TableName.retailDefaults)
        #expect(lines.count == 2)
        #expect(lines[0].contains("snapshot of 5 row(s)"))
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE _op = 'R'") == "5")
        _ = try installer.install(TableName.retailDefaults)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5")
        try database.sql("UPDATE orders SET status = 'INTRANSIT' WHERE id = 1")
        #expect(try database.sql("SELECT _op || ':' || status FROM cdc.orders_changes WHERE _op <> 'R'") == "U:INTRANSIT")
        try database.sql("DELETE FROM ordershistory WHERE order_id = 2")
        #expect(try database.sql("SELECT count(*) FROM cdc.ordershistory_changes WHERE _op = 'D'") == "1")
    }

    @Test("statement triggers capture every row of every statement, in order, for the app role, and notify only while idle")
    func statementCapture() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        var options = CaptureInstaller.Options()
        options.streamerRole = "medallion_streamer"
        _ = try CaptureInstaller(connection: try database.connect()).install(TableName.retailDefaults, options: options)
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "4") // insert, update, delete, truncate

        // The app role has no rights on cdc; the SECURITY DEFINER trigger writes for it.
        let app = try PostgresConnection(dsn: database.dsn + " user=medallion_app")
        defer { app.close() }
        try app.execute("BEGIN")
        try app.execute("INSERT INTO orders (id, branch, customer, amount, status) SELECT g, 'b', 'c', 1, 'NEW' FROM generate_series(1, 3) g")
        try app.execute("UPDATE orders SET status = 'INTRANSIT' WHERE id IN (1, 2)")
        try app.execute("UPDATE orders SET status = 'DELIVERED' WHERE id = 99")
        try app.execute("DELETE FROM orders WHERE id = 3")
        try app.execute("INSERT INTO orders (id, branch, customer, amount, status) VALUES (4, 'b', 'c', 1, 'NEW') "
                        + "ON CONFLICT (id) DO UPDATE SET status = 'X'")
        try app.execute("COMMIT")
        let changes = try database.sql("""
            SELECT string_agg(_op || id || ':' || status, ' ' ORDER BY _txid, _seq) FROM cdc.orders_changes
            """)
        #expect(changes == "I1:NEW I2:NEW I3:NEW U1:INTRANSIT U2:INTRANSIT D3:NEW I4:NEW")
        #expect(try database.sql("SELECT count(DISTINCT _txid) FROM cdc.orders_changes") == "1")
        #expect(throws: PostgresError.self) { try app.execute("SELECT count(*) FROM cdc.orders_changes") }

        // Busy (0, as installed): no notification. Idle (1): one per statement that changed rows.
        let listener = try database.connect()
        defer { listener.close() }
        try listener.execute("LISTEN medallion_cdc")
        try app.execute("UPDATE orders SET status = 'DELIVERED' WHERE id = 1")
        #expect(try listener.waitForNotifications(timeout: 0.2).isEmpty)
        let streamer = try PostgresConnection(dsn: database.dsn + " user=medallion_streamer")
        defer { streamer.close() }
        try streamer.execute("SELECT pg_catalog.setval('cdc.daemon_idle', 1)")
        try app.execute("UPDATE orders SET status = 'DELIVERED' WHERE id = 99")
        try app.execute("UPDATE orders SET status = 'DELIVERED' WHERE id = 2")
        let notifications = try listener.waitForNotifications(timeout: 5)
        #expect(notifications.map(\.payload) == ["public.orders"])
    }

    @Test("--no-snapshot leaves existing rows out")
    func noSnapshot() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.insertOrders(3)
        var options = CaptureInstaller.Options()
        options.snapshot = false
        _ = try CaptureInstaller(connection: try database.connect()).install(TableName.retailDefaults, options: options)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0")
    }

    @Test("ADD COLUMN brings the capture table up to date by itself (event trigger); re-running install is a no-op")
    func schemaChange() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("ALTER TABLE orders ADD COLUMN channel text")
        try database.sql("INSERT INTO orders (branch, customer, amount, status, channel) VALUES ('b', 'c', 1, 'NEW', 'web')")
        #expect(try database.sql("SELECT channel FROM cdc.orders_changes WHERE _op = 'I'") == "web")
        let lines = try CaptureInstaller(connection: try database.connect()).install([TableName(name: "orders")])
        #expect(lines[0].hasSuffix("(updated)"), "\(lines)")
    }

    @Test("without the event trigger (installed by a non-superuser), install brings the capture table up to date")
    func schemaChangeWithoutEventTrigger() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("DROP EVENT TRIGGER medallion_follow_ddl")
        try database.sql("ALTER TABLE orders ADD COLUMN channel text")
        let lines = try CaptureInstaller(connection: try database.connect()).install([TableName(name: "orders")])
        #expect(lines[0].contains("1 new column(s)"), "\(lines)")
        try database.sql("INSERT INTO orders (branch, customer, amount, status, channel) VALUES ('b', 'c', 1, 'NEW', 'web')")
        #expect(try database.sql("SELECT channel FROM cdc.orders_changes WHERE _op = 'I'") == "web")
    }

    @Test("a capture trigger the user disabled stays disabled when DDL brings capture up to date")
    func disabledTriggerStaysDisabled() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("ALTER TABLE orders DISABLE TRIGGER medallion_capture_update")
        try database.sql("ALTER TABLE orders ADD COLUMN channel text")
        #expect(try database.sql("SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname = 'medallion_capture_update'") == "D")
        #expect(try database.sql("SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND tgname = 'medallion_capture_insert'") == "A")
    }

    @Test("uninstall removes only what install made")
    func uninstall() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("CREATE TABLE cdc.mine (x int)")
        let installer = CaptureInstaller(connection: try database.connect())
        _ = try installer.uninstall([TableName(name: "orders")])
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "0")
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ordershistory'::regclass AND NOT tgisinternal") == "4")
        _ = try installer.uninstall([TableName(name: "ordershistory")])
        #expect(try database.sql("SELECT to_regclass('cdc.captured_tables') IS NULL") == "t")
        #expect(try database.sql("SELECT to_regclass('cdc.mine') IS NOT NULL") == "t")
        try database.sql("DROP TABLE cdc.mine")
        _ = try installer.install([TableName(name: "orders")])
        _ = try installer.uninstall([TableName(name: "orders")])
        #expect(try database.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'cdc'") == "0")
        #expect(try database.sql("SELECT count(*) FROM orders") == "0")
    }

    @Test("a missing table, a table without a primary key, or no privilege: one clear error, nothing installed")
    func badInput() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let installer = CaptureInstaller(connection: try database.connect())
        #expect(throws: CaptureError.self) { try installer.install([TableName(name: "orders"), TableName(name: "nope")]) }
        #expect(try database.sql("SELECT to_regclass('cdc.orders_changes') IS NULL") == "t")
        do {
            _ = try installer.install([TableName(name: "nope")])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("Table public.nope does not exist"))
        }
        try database.sql("CREATE TABLE nokey (x int)")
        do {
            _ = try installer.install([TableName(name: "nokey")])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("no primary key"))
        }
        try database.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nobody_much') THEN CREATE ROLE nobody_much LOGIN; END IF; END $$")
        try database.sql("GRANT CREATE ON DATABASE \(database.name) TO nobody_much")
        let weak = CaptureInstaller(connection: try PostgresConnection(dsn: database.cluster.dsn(database: database.name, user: "nobody_much")))
        do {
            _ = try weak.install([TableName(name: "orders")])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("owner"))
        }
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "0")
    }

    @Test("the SQL scripts in sql/ are exactly what medallion install runs")
    func scriptsMatch() throws {
        let install = try String(contentsOfFile: Repository.root + "/sql/cdc_install.sql", encoding: .utf8)
        let uninstall = try String(contentsOfFile: Repository.root + "/sql/cdc_uninstall.sql", encoding: .utf8)
        #expect(install == CaptureScripts.install, "regenerate with: medallion install --print-sql > sql/cdc_install.sql")
        #expect(uninstall == CaptureScripts.uninstall, "regenerate with: medallion uninstall --print-sql > sql/cdc_uninstall.sql")
    }

    @Test("the SQL script works for a DBA with psql alone")
    func scriptWithPsql() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.insertOrders(2)
        try database.cluster.psqlFile(Repository.root + "/sql/cdc_install.sql", database: database.name)
        try database.sql("SELECT cdc.install_table('public.orders')")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "2")
        try database.cluster.psqlFile(Repository.root + "/sql/cdc_uninstall.sql", database: database.name)
        #expect(try database.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'cdc'") == "0")
    }

    @Test("install converts a plain trigger capture table (an install before rotation) into a rotating one: the same rows, _seq counting on, the streamer's grants kept")
    func convertsPlainCaptureTable() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        var options = CaptureInstaller.Options()
        options.streamerRole = "medallion_streamer"
        let installer = CaptureInstaller(connection: try database.connect())
        _ = try installer.install(TableName.retailDefaults, options: options)
        try database.insertOrders(5)
        try database.makeCaptureTablePlain(grantee: "medallion_streamer")
        try database.insertOrders(1)
        let rows = "SELECT string_agg(_txid || '/' || _seq || '/' || _op || '/' || id || '/' || _changed_at, ' ' ORDER BY _seq) FROM cdc.orders_changes"
        let before = try database.sql(rows)
        let last = try database.sql("SELECT max(_seq) FROM cdc.orders_changes")

        let lines = try installer.install(TableName.retailDefaults, options: options)
        #expect(lines[0].contains("updated, now rotating"), "\(lines)")
        #expect(try database.sql("SELECT relkind FROM pg_class WHERE oid = 'cdc.orders_changes'::regclass") == "p")
        #expect(try database.sql(rows) == before)
        try database.insertOrders(1)
        #expect(try database.sql("SELECT max(_seq) > \(last) FROM cdc.orders_changes") == "t")
        #expect(try database.sql("SELECT count(*) FROM pg_class WHERE relname LIKE 'medallion\\_unrotated%'") == "0")

        let streamer = try PostgresConnection(dsn: database.dsn + " user=medallion_streamer")
        defer { streamer.close() }
        #expect(try streamer.execute("SELECT count(*) FROM cdc.orders_changes").scalar == "7")
        try streamer.execute("BEGIN")
        try streamer.execute("DELETE FROM cdc.orders_changes WHERE _op = 'I'")
        try streamer.execute("LOCK TABLE cdc.orders_changes_0 IN ACCESS EXCLUSIVE MODE")
        try streamer.execute("TRUNCATE cdc.orders_changes_0")
        try streamer.execute("SELECT setval('cdc.capture_generation', pg_sequence_last_value('cdc.capture_generation'))")
        try streamer.execute("ROLLBACK")

        let again = try installer.install(TableName.retailDefaults, options: options)
        #expect(again[0].hasSuffix("(updated)"), "converted once: \(again)")
        #expect(try database.sql(rows + " WHERE _seq <= \(last)") == before)
    }

    @Test("a source column named _gen keeps its capture table plain (pruned with DELETE); on a rotating one, adding it is refused")
    func generationColumnName() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.sql("CREATE TABLE public.tagged (id int PRIMARY KEY, _gen int)")
        let installer = CaptureInstaller(connection: try database.connect())
        _ = try installer.install([TableName(name: "tagged"), TableName(name: "orders")])
        #expect(try database.sql("SELECT relkind FROM pg_class WHERE oid = 'cdc.tagged_changes'::regclass") == "r")
        try database.sql("INSERT INTO tagged VALUES (1, 7)")
        #expect(try database.sql("SELECT _op || id || ':' || _gen FROM cdc.tagged_changes") == "I1:7")
        #expect(try CaptureCatalog(connection: try database.connect()).columns(of: TableName(name: "tagged")).map(\.name) == ["id", "_gen"])
        #expect(try CaptureCatalog(connection: try database.connect()).columns(of: TableName(name: "orders")).map(\.name).contains("_gen") == false)

        try database.sql("ALTER TABLE orders ADD COLUMN _gen int")
        #expect(throws: CaptureError.self) { _ = try installer.install([TableName(name: "orders")]) }
    }

    @Test("a capture table whose name leaves no room for _0/_1 rotates through partitions named capture_<oid>_<n>")
    func longNamedPartitions() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        // s__<51 bytes>_changes is 62 bytes: one more than a partition suffix leaves room for.
        let table = TableName(schema: "s", name: "t" + String(repeating: "x", count: 50))
        try database.sql("CREATE SCHEMA s; CREATE TABLE \(table.quoted) (id int PRIMARY KEY, note text)")
        _ = try CaptureInstaller(connection: try database.connect()).install([table])
        let connection = try database.connect()
        defer { connection.close() }
        let rotation = CaptureRotation(connection: connection)
        let partitions = try #require(try rotation.partitions(of: table))
        let oid = try database.sql("SELECT to_regclass('\(table.quotedCaptureTable)')::oid")
        #expect(partitions.byGeneration == ["cdc.capture_\(oid)_0", "cdc.capture_\(oid)_1"])

        let first = try rotation.generation()
        try database.sql("INSERT INTO \(table.quoted) VALUES (1, 'a'), (2, 'b')")
        #expect(try database.sql("SELECT count(*) FROM \(partitions.byGeneration[first])") == "2")
        try rotation.turn(to: 1 - first)
        try database.sql("UPDATE \(table.quoted) SET note = 'c' WHERE id = 1")
        #expect(try database.sql("SELECT _op || id || note FROM \(partitions.byGeneration[1 - first])") == "U1c")
        let last = try database.sql("SELECT max(_txid)::text || ' ' || max(_seq) FROM \(partitions.byGeneration[first])").split(separator: " ")
        let through = TablePosition(txid: UInt64(last[0])!, seq: Int64(last[1])!)
        #expect(try rotation.truncate(partitions.byGeneration[first], through: through) == .truncated(rows: 2))
        #expect(try database.sql("SELECT string_agg(_op || id, ',' ORDER BY _seq) FROM \(table.quotedCaptureTable)") == "U1")
        try rotation.turn(to: first)
    }
}
