import Foundation
import Testing
import TestSupport
@testable import CDC

/// One consumer per source database, and a source that is not the bookmark's is refused
/// before anything is read or pruned.
@Suite("One consumer, one source", .serialized)
struct ConsumerTests {
    @Test("a second daemon is refused, running or not; --takeover hands the database to a new lake, which starts complete")
    func oneConsumer() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let otherLake = try Repository.temporaryDirectory("medallion-lake-b")
        defer { try? FileManager.default.removeItem(atPath: otherLake) }
        try database.insertOrders(5)
        let first = try database.startDaemon()
        var firstRunning = true
        defer { if firstRunning { first.signal(SIGKILL); _ = try? first.waitForExit() } }
        #expect(try database.medallion(["verify"]).status == 0)

        // Another lake while the first daemon runs: the capture session's advisory lock.
        let whileRunning = try database.medallion(["run"], environment: ["MEDALLION_LAKE": otherLake])
        #expect(whileRunning.status == 1)
        #expect(whileRunning.error.contains("already captures this database"), "\(whileRunning.error)")

        // The first daemon stopped: the database is still claimed by its lake.
        first.signal(SIGTERM)
        #expect(try first.waitForExit() == 0)
        firstRunning = false
        let claimed = try database.medallion(["run"], environment: ["MEDALLION_LAKE": otherLake])
        #expect(claimed.status == 1)
        #expect(claimed.error.contains("consumed by \(database.lakeURL)"), "\(claimed.error)")
        #expect(try database.sql("SELECT count(*) FROM cdc.consumer WHERE lake = '\(database.lakeURL)'") == "1")

        // The old daemon runs again, then the database is handed over under it.
        let old = try database.startDaemon()
        let takeover = try database.medallion(["install", "--takeover"])
        #expect(takeover.status == 0, "\(takeover.error)")
        #expect(takeover.output.contains("10 row(s) captured again"), "\(takeover.output)")
        try database.insertOrders(1, branch: "wakes the old daemon")
        #expect(try old.waitForExit() == 1, "the old lake's daemon stops at its next batch")
        let refused = try database.medallion(["run"])
        #expect(refused.status == 1)
        #expect(refused.error.contains("handed to another lake"), "\(refused.error)")

        // The new lake: everything, though the old lake's daemon pruned what it had read.
        let daemon = try ChildProcess(Repository.medallionExecutable(), ["run"],
                                      environment: database.environment.merging(["MEDALLION_LAKE": otherLake, "MEDALLION_MAX_DELAY": "50ms"]) { $1 })
        defer { daemon.signal(SIGTERM); _ = try? daemon.waitForExit() }
        try daemon.waitForOutput("caught up to bookmark")
        let verify = try database.medallion(["verify", "--json"], environment: ["MEDALLION_LAKE": otherLake])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.output.utf8)) as? [String: Any]
        let orders = (report?["tables"] as? [[String: Any]])?.first { $0["table"] as? String == "public.orders" }
        #expect(orders?["matching"] as? Int == 6)
    }

    @Test("a dump restored into a fresh cluster is refused before anything is read or pruned")
    func restoreIsDetected() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(5)
        let daemon = try database.startDaemon()
        #expect(try database.medallion(["verify"]).status == 0)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)

        let restored = try PostgresCluster.start()
        defer { try? restored.stop() }
        let dumpDirectory = try Repository.temporaryDirectory("medallion-dump")
        defer { try? FileManager.default.removeItem(atPath: dumpDirectory) }
        let dump = dumpDirectory + "/retail.dump"
        try Command.run("\(database.cluster.binDirectory)/pg_dump", ["-Fc", "-f", dump, "-d", database.dsn])
        try restored.psql("CREATE DATABASE retail")
        try Command.run("\(restored.binDirectory)/pg_restore", ["--no-owner", "--no-acl", "-d", restored.dsn(database: "retail"), dump])
        // New orders on the restored server: their transaction ids are low again.
        try restored.psql("INSERT INTO orders (branch, customer, amount, status) SELECT 'after', 'c', 1, 'NEW' FROM generate_series(1, 7)",
                          database: "retail")
        let pending = try restored.psql("SELECT count(*) FROM cdc.orders_changes", database: "retail")
        #expect(pending == "7")

        let run = try database.medallion(["run"], environment: ["MEDALLION_DSN": restored.dsn(database: "retail")])
        #expect(run.status == 1)
        #expect(run.error.contains("not the database this lake's bookmark came from"), "\(run.error)")
        #expect(try restored.psql("SELECT count(*) FROM cdc.orders_changes", database: "retail") == pending, "nothing pruned")
        let bookmark = try JSONSerialization.jsonObject(with: Data(try database.lake.read("bronze/bookmark"))) as? [String: Any]
        let systemIdentifier = try database.sql("SELECT system_identifier FROM pg_control_system()")
        #expect((bookmark?["source"] as? [String: Any])?["system_identifier"] as? String == systemIdentifier)
    }

    @Test("transaction ids below the bookmark's watermark (a standby that lost the tail) stop the daemon before it reads")
    func idsWentBack() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(2)
        let daemon = try database.startDaemon()
        #expect(try database.medallion(["verify"]).status == 0)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        // As if bronze had read transactions this server never saw.
        var bookmark = try BronzeCommitter(lake: database.lake, fault: .none).loadBookmark()
        bookmark.watermark += 1_000_000
        try database.lake.writeAtomically("bronze/bookmark", data: LakeJSON.encode(bookmark))
        try database.insertOrders(1)
        let run = try database.medallion(["run"])
        #expect(run.status == 1)
        #expect(run.error.contains("transaction ids went back"), "\(run.error)")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "1", "nothing read or pruned")
    }
}
