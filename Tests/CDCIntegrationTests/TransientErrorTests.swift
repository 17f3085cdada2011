import Foundation
import Testing
import TestSupport
@testable import CDC

/// Database states a retry outlives never end the daemon; those it cannot fix do, at once.
@Suite("Transient database errors", .serialized)
struct TransientErrorTests {
    /// The server itself raises each SQLSTATE in the daemon's reads (a row-security policy
    /// on the capture table calls a function that raises while a flag is set), as disk
    /// full, a read-only standby, a statement timeout or a lock timeout would.
    @Test("disk full, read-only, statement timeout, lock timeout: retried, reported, then capture goes on", arguments: ["53100", "25006", "57014", "55P03"])
    func retried(sqlState: String) throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        var options = CaptureInstaller.Options()
        options.streamerRole = "medallion_streamer"
        _ = try CaptureInstaller(connection: database.connect()).install(TableName.retailDefaults, options: options)
        try database.sql("""
            CREATE TABLE public.inject (sqlstate text);
            GRANT SELECT ON public.inject TO medallion_streamer;
            CREATE FUNCTION public.injected_failure() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
            DECLARE state text;
            BEGIN
                SELECT sqlstate INTO state FROM public.inject LIMIT 1;
                IF state IS NOT NULL THEN
                    RAISE EXCEPTION 'injected failure' USING ERRCODE = state;
                END IF;
                RETURN true;
            END $$;
            ALTER TABLE cdc.orders_changes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY inject ON cdc.orders_changes USING (public.injected_failure());
            """)
        let daemon = try database.startDaemon(["MEDALLION_DSN": database.dsn + " user=medallion_streamer"])
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        try database.insertOrders(2)
        #expect(try database.medallion(["verify"]).status == 0)
        try database.sql("INSERT INTO public.inject VALUES ('\(sqlState)')")
        try database.insertOrders(3)
        try daemon.waitForOutput("sqlstate=\(sqlState)", occurrences: 2)
        let status = try database.medallion(["status", "--json"])
        #expect(status.output.contains("injected failure"), "status shows the last error: \(status.output)")
        try database.sql("DELETE FROM public.inject")
        let verify = try database.medallion(["verify"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
    }

    @Test("an unreachable server at start is retried until it answers")
    func unreachableAtStart() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let port = try PostgresCluster.freePort()
        let daemon = try database.startDaemon(["MEDALLION_DSN": "host=127.0.0.1 port=\(port) dbname=\(database.name) user=postgres"],
                                              waitUntilReady: false)
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        // waitForOutput throws should the daemon exit before a second attempt.
        try daemon.waitForOutput("database unavailable", occurrences: 3)
    }

    @Test("bad credentials or an unknown database end the daemon at once with one clear sentence")
    func refusals() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let unknownRole = try database.medallion(["run"], environment: ["MEDALLION_DSN": database.dsn + " user=nobody_here"])
        #expect(unknownRole.status == 1)
        #expect(unknownRole.error.contains("nobody_here"), "\(unknownRole.error)")
        let unknownDatabase = try database.medallion(["run"], environment: ["MEDALLION_DSN": database.cluster.dsn(database: "no_such_db")])
        #expect(unknownDatabase.status == 1)
        #expect(unknownDatabase.error.contains("no_such_db"), "\(unknownDatabase.error)")
    }
}
