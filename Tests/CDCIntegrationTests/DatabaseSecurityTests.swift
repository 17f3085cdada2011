import Foundation
import Testing
import TestSupport
@testable import CDC
import Postgres

/// What the capture objects let each role do: the streamer reads and prunes capture tables
/// and nothing else; a table owner cannot borrow the installer's rights; no one else's
/// schema or trigger can reach capture.
@Suite("Database security", .serialized)
struct DatabaseSecurityTests {
    /// The role `medallion_tenant` (cluster-wide, so created once), allowed to create schemas
    /// in this database, plus `grants`.
    static func createTenant(_ database: RetailDatabase, grants: String = "") throws {
        try database.sql("""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'medallion_tenant') THEN CREATE ROLE medallion_tenant LOGIN; END IF;
            END $$;
            GRANT CREATE ON DATABASE \(database.name) TO medallion_tenant;
            \(grants.isEmpty ? "" : grants + ";")
            """)
    }

    @Test("the streamer role reads and prunes capture tables, and can do nothing else")
    func streamerLeastPrivilege() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        var options = CaptureInstaller.Options()
        options.streamerRole = "medallion_streamer"
        _ = try CaptureInstaller(connection: try database.connect()).install(TableName.retailDefaults, options: options)
        try database.insertOrders(3)

        let streamer = try PostgresConnection(dsn: database.dsn + " user=medallion_streamer")
        defer { streamer.close() }
        #expect(try streamer.execute("SELECT count(*) FROM cdc.orders_changes").scalar == "3")
        #expect(try streamer.execute("SELECT count(*) FROM cdc.captured_tables").scalar == "2")
        try streamer.execute("BEGIN")
        #expect(try streamer.execute("DELETE FROM cdc.orders_changes WHERE _op = 'I'").affectedRows == 3)
        try streamer.execute("ROLLBACK")
        // Rotation: turn the generation, check and truncate a partition.
        try streamer.execute("BEGIN")
        try streamer.execute("SELECT setval('cdc.capture_generation', pg_sequence_last_value('cdc.capture_generation'))")
        try streamer.execute("LOCK TABLE cdc.orders_changes_0 IN ACCESS EXCLUSIVE MODE")
        #expect(try streamer.execute("SELECT count(*) FROM cdc.orders_changes_0").scalar == "3")
        try streamer.execute("TRUNCATE cdc.orders_changes_0")
        try streamer.execute("ROLLBACK")

        let refused = [
            "SELECT count(*) FROM public.orders",
            "SELECT count(*) FROM public.ordershistory",
            "INSERT INTO cdc.orders_changes (_op) VALUES ('T')",
            "UPDATE cdc.orders_changes SET _op = 'D'",
            "TRUNCATE cdc.orders_changes",
            "INSERT INTO cdc.orders_changes_0 (_op, _gen) VALUES ('T', 0)",
            "ALTER TABLE cdc.orders_changes_1 ADD COLUMN x int",
            "ALTER TABLE cdc.orders_changes ADD COLUMN x int",
            "DROP TABLE cdc.orders_changes",
            "CREATE TABLE cdc.planted (x int)",
            "CREATE TABLE public.planted (x int)",
            "CREATE SCHEMA planted",
            "DELETE FROM cdc.captured_tables",
            "SELECT cdc.install_table('public.orders'::regclass)",
            "SELECT cdc.uninstall_table('public.orders'::regclass)",
            "SELECT cdc.hand_over()",
            "SELECT cdc.capture_table_name('public.orders'::regclass)",
            "CREATE FUNCTION cdc.planted() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        ]
        for statement in refused {
            #expect(throws: PostgresError.self, "the streamer may not run: \(statement)") {
                try streamer.execute(statement)
            }
        }
        // What the app role may not do either: call or borrow the capture functions.
        let app = try PostgresConnection(dsn: database.dsn + " user=medallion_app")
        defer { app.close() }
        for statement in ["SELECT cdc.install_table('public.orders'::regclass)", "SELECT cdc.hand_over()",
                          "SELECT count(*) FROM cdc.orders_changes"] {
            #expect(throws: PostgresError.self, "the app may not run: \(statement)") { try app.execute(statement) }
        }
        #expect(try database.sql("""
            SELECT count(*) FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
            WHERE p.pronamespace = 'cdc'::regnamespace AND a.grantee = 0 AND a.privilege_type = 'EXECUTE'
            """) == "0")
    }

    @Test("logical capture: the streamer role, given REPLICATION, runs the daemon and captures the snapshot and what follows")
    func streamerRunsLogicalCapture() throws {
        let database = try RetailDatabase(capture: false, mode: .logical)
        defer { database.drop() }
        try database.insertOrders(2)
        let install = try database.medallion(["install", "--capture", "logical", "--streamer-role", "medallion_streamer"])
        #expect(install.status == 0, "\(install.output)\(install.error)")
        let streamer = ["MEDALLION_DSN": database.dsn + " user=medallion_streamer"]
        try database.sql("ALTER ROLE medallion_streamer NOREPLICATION")
        let refused = try database.startDaemon(streamer, waitUntilReady: false)
        #expect(try refused.waitForExit() != 0)
        #expect(refused.output.contains("ALTER ROLE medallion_streamer REPLICATION"), "\(refused.output)")
        // A cluster-wide attribute: taken back for the tests that follow on this cluster.
        try database.sql("ALTER ROLE medallion_streamer REPLICATION")
        defer { _ = try? database.sql("ALTER ROLE medallion_streamer NOREPLICATION") }
        let daemon = try database.startDaemon(streamer)
        try database.insertOrders(3, branch: "streamed")
        try database.sql("UPDATE orders SET status = 'INTRANSIT' WHERE id = 1; DELETE FROM ordershistory WHERE order_id = 2")
        let report = try database.verify()
        #expect(report.isClean, "\(report)\n\(daemon.output)")
        #expect(report.tables.map(\.matching) == [5, 4], "\(report)")
        let status = try database.medallion(["status"], environment: streamer)
        #expect(status.status == 0 && status.output.contains("slot          medallion_"), "\(status.output)\(status.error)")
        #expect(!status.output.contains("missing"), "\(status.output)\(status.error)")
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0, "\(daemon.output)")
    }

    @Test("a table owner's domain, operator or search_path never runs with the installer's rights")
    func ownerCannotBorrowInstallerRights() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try Self.createTenant(database, grants: "GRANT CREATE ON SCHEMA public TO medallion_tenant")
        let tenant = try PostgresConnection(dsn: database.dsn + " user=medallion_tenant")
        defer { tenant.close() }
        // Every call of spy() records whose rights it ran with.
        try tenant.executeScript("""
            CREATE TABLE public.tenant_orders (id int PRIMARY KEY, note text);
            CREATE TABLE public.spy_log (who name, superuser boolean);
            CREATE FUNCTION public.spy() RETURNS boolean LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO public.spy_log SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user;
                RETURN true;
            END $$;
            """)
        _ = try CaptureInstaller(connection: try database.connect()).install([TableName(name: "tenant_orders")])

        try tenant.executeScript("""
            CREATE SCHEMA tenant_ops;
            CREATE FUNCTION tenant_ops.int_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
                BEGIN PERFORM public.spy(); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
            CREATE OPERATOR tenant_ops.= (LEFTARG = int, RIGHTARG = int, FUNCTION = tenant_ops.int_eq);
            CREATE FUNCTION tenant_ops.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
                BEGIN PERFORM public.spy(); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
            CREATE OPERATOR tenant_ops.= (LEFTARG = text, RIGHTARG = text, FUNCTION = tenant_ops.text_eq);
            CREATE DOMAIN public.watched AS int CHECK (public.spy());
            SET search_path = tenant_ops, pg_catalog, public;
            INSERT INTO public.tenant_orders VALUES (1, 'a'), (2, 'b');
            UPDATE public.tenant_orders SET note = 'c';
            UPDATE public.tenant_orders SET id = id + 10;
            ALTER TABLE public.tenant_orders ADD COLUMN watched public.watched;
            INSERT INTO public.tenant_orders (id, note, watched) VALUES (3, 'd', 7);
            ALTER TABLE public.tenant_orders ALTER COLUMN note TYPE varchar(20);
            TRUNCATE public.tenant_orders;
            """)
        // The capture kept up with all of it...
        #expect(try database.sql("SELECT string_agg(_op, '' ORDER BY _seq) FROM cdc.tenant_orders_changes") == "IIUUDDUUIRRRT")
        // ...and whatever of the tenant's code ran, ran as the tenant.
        #expect(try database.sql("SELECT count(*) FROM public.spy_log WHERE who <> 'medallion_tenant' OR superuser") == "0")
        #expect(try database.sql("SELECT rolsuper FROM pg_roles WHERE rolname = 'medallion_tenant'") == "f")

        // The capture function cannot be borrowed for another table's trigger.
        try tenant.execute("CREATE TABLE public.tenant_other (id int PRIMARY KEY)")
        #expect(throws: PostgresError.self) {
            try tenant.execute("CREATE TRIGGER borrow AFTER INSERT ON public.tenant_other FOR EACH STATEMENT "
                               + "EXECUTE FUNCTION cdc.tenant_orders_changes_capture('I')")
        }
        try database.sql("""
            CREATE TRIGGER borrow AFTER INSERT ON public.tenant_other REFERENCING NEW TABLE AS medallion_rows
            FOR EACH STATEMENT EXECUTE FUNCTION cdc.tenant_orders_changes_capture('I')
            """)
        do {
            try tenant.execute("INSERT INTO public.tenant_other VALUES (1)")
            Issue.record("a capture function ran for a table it does not capture")
        } catch {
            #expect("\(error)".contains("not for"))
        }
    }

    @Test("install refuses a cdc schema that another role created first")
    func plantedSchemaRefused() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try Self.createTenant(database)
        try database.cluster.psql("CREATE SCHEMA cdc", database: database.name, user: "medallion_tenant")
        do {
            _ = try CaptureInstaller(connection: try database.connect()).install(TableName.retailDefaults)
            Issue.record("install accepted a cdc schema owned by another role")
        } catch {
            #expect("\(error)".contains("belongs to role medallion_tenant"))
        }
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "0")
    }

    @Test("libpq's parse errors never reach a message with the password they quote")
    func connectionStringErrorsHideSecrets() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        for dsn in ["host=127.0.0.1 password=hunter2 topsecret-marker",
                    "postgresql://u:topsecret-marker@127.0.0.1:1/db?bogus-marker",
                    "host=127.0.0.1 password='topsecret-marker"] {
            do {
                _ = try PostgresConnection(dsn: dsn)
                Issue.record("connected with a malformed connection string")
            } catch {
                #expect(!"\(error)".contains("topsecret"), "\(error)")
                #expect(!"\(error)".contains("marker"), "\(error)")
            }
        }
        // A wrong password for a real server: the server's refusal, never the password.
        try database.sql("ALTER ROLE medallion_streamer PASSWORD 'right-one'")
        let result = try database.medallion(["status"], environment: [
            "MEDALLION_DSN": "host=127.0.0.1 port=\(database.cluster.port) dbname=\(database.name) user=nobody password=topsecret-marker",
        ])
        #expect(!result.output.contains("topsecret"))
    }

    @Test("status says when the streamer role cannot see who holds the watermark")
    func statusSaysWhenBlind() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        var options = CaptureInstaller.Options()
        options.streamerRole = "medallion_streamer"
        _ = try CaptureInstaller(connection: try database.connect()).install(TableName.retailDefaults, options: options)
        try database.sql("REVOKE pg_read_all_stats FROM medallion_streamer")
        let holder = try database.connect()
        defer { holder.close() }
        try holder.execute("BEGIN")
        try holder.execute("SELECT pg_current_xact_id()")
        let streamerDSN = database.dsn + " user=medallion_streamer"
        let blind = try database.medallion(["status"], environment: ["MEDALLION_DSN": streamerDSN])
        // PostgreSQL shows the holder's pid but hides its transaction's age and query.
        #expect(blind.output.contains("watermark     held by pid \(holder.backendPID)"), "\(blind.output)")
        #expect(blind.output.contains("hidden from this role: GRANT pg_read_all_stats"), "\(blind.output)")
        #expect(!blind.output.contains("no open transaction holds it back"))

        try database.sql("GRANT pg_read_all_stats TO medallion_streamer")
        defer { _ = try? database.sql("REVOKE pg_read_all_stats FROM medallion_streamer") }
        let seeing = try database.medallion(["status"], environment: ["MEDALLION_DSN": streamerDSN])
        #expect(seeing.output.contains("watermark     held by pid \(holder.backendPID) (medallion), transaction open"), "\(seeing.output)")
        try holder.execute("ROLLBACK")
    }
}
