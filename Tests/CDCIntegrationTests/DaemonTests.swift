import Foundation
import Lake
import Parquet
import Testing
import TestSupport
@testable import CDC
import Postgres

@Suite("Streaming daemon", .serialized)
struct DaemonTests {
    @Test("changes stream into date-partitioned Parquet that pyarrow and DuckDB read; verify is clean",
          arguments: CaptureMode.allCases)
    func endToEnd(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(10)
        try withDaemon(database) { _ in
            try database.insertOrders(25, branch: "branch-02")
            try database.sql("UPDATE orders SET status = 'INTRANSIT', updated_at = now() WHERE id <= 5")
            try database.sql("DELETE FROM ordershistory WHERE order_id = 7")
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 35)
        }
        let files = try database.lake.listFilesRecursively("bronze/orders")
        #expect(!files.isEmpty)
        #expect(files.allSatisfy { $0.path.contains("/date=") && $0.name.hasPrefix("part-") })
        let bookmark = try JSONSerialization.jsonObject(with: Data(try database.lake.read("bronze/bookmark"))) as? [String: Any]
        #expect(bookmark?["batch"] as? Int ?? 0 >= 1)
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])
        #expect(seen["pyarrow_rows"] as? Int == 40) // 10 snapshot + 25 inserts + 5 updates
        #expect(seen["duckdb_rows"] as? Int == 40)
        let columns = seen["columns"] as? [String] ?? []
        for name in ["id", "branch", "customer", "amount", "status", "created_at", "updated_at", "_op", "_txid", "_seq", "_changed_at"] {
            #expect(columns.contains(name), "bronze lacks \(name)")
        }
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0", "committed rows are pruned")
    }

    @Test("an install from before rotation is converted while the daemon streams: nothing lost or doubled, then pruned by truncating")
    func conversionWhileStreaming() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.makeCaptureTablePlain()
        try database.insertOrders(10)
        try withDaemon(database) { _ in
            try database.insertOrders(10, branch: "branch-02")
            let stop = database.startSimulator(rate: 200, delay: 0.01...0.02)
            let lines = try database.medallion(["install"])
            stop()
            #expect(lines.status == 0 && lines.output.contains("now rotating"), "\(lines.output)")
            try database.insertOrders(10, branch: "branch-03")
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
            try Poll.until("the converted table is pruned by truncating") {
                try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0"
            }
        }
        #expect(try database.sql("SELECT relkind FROM pg_class WHERE oid = 'cdc.orders_changes'::regclass") == "p")
        #expect(try database.sql("SELECT coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables WHERE relname LIKE 'orders\\_changes\\__'") == "0")
    }

    @Test("verify waits for a pending change whose transaction id has more digits than the bookmark's (ids compare as numbers)")
    func verifyComparesTransactionIDsAsNumbers() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(1)
        // Stopped after batch 1's bookmark, before its prune: its rows stay in the capture tables.
        let crashing = try database.startDaemon(["MEDALLION_FAULT": "after-bookmark@1"], waitUntilReady: false)
        #expect(try crashing.waitForExit() == 86, "\(crashing.output)")
        let first = try #require(UInt64(try database.sql("SELECT max(_txid)::text FROM cdc.orders_changes")))
        var boundary: UInt64 = 10
        while boundary <= first { boundary *= 10 }
        try database.sql("DO $$ BEGIN WHILE pg_current_xact_id() < '\(boundary)'::xid8 LOOP COMMIT; END LOOP; END $$")
        try database.insertOrders(1, branch: "more digits")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE _txid >= '\(boundary)'::xid8") == "1")
        // Nothing captures the second order: verify must not take the first one's id, the
        // larger as text, for the newest change.
        #expect(throws: CaptureError.self) { try database.verify(timeout: .seconds(2)) }
        let daemon = try database.startDaemon()
        let report = try database.verify()
        #expect(report.isClean && report.tables[0].matching == 2, "\(report)")
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test("a transaction that took its id early and commits late still arrives, exactly once",
          arguments: CaptureMode.allCases)
    func outOfOrderCommit(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            // Takes order id N, then ids N+1... commit and are streamed before N is written.
            let early = try database.connect()
            let id = try early.execute("SELECT nextval('orders_id_seq')").scalar ?? ""
            try database.insertOrders(20, branch: "late")
            let whileOpen = try database.verify()
            #expect(whileOpen.isClean, "\(whileOpen)")
            #expect(whileOpen.tables[0].matching == 20, "later ids are streamed while the early transaction is open")
            try early.execute("BEGIN")
            try early.execute("INSERT INTO orders (id, branch, customer, amount, status) VALUES ($1::bigint, 'early', 'c', 1, 'NEW')", [id])
            // Now it holds a transaction id below later ones, which commit first: the
            // watermark keeps them back until it commits, then all arrive once.
            try database.insertOrders(5, branch: "later-still")
            try early.execute("COMMIT")
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 26)
            #expect(report.tables[0].duplicates == 0)
        }
    }

    @Test("writers racing the daemon as it goes idle reach bronze within the normal latency, not the slow poll")
    func idleTransition() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        // A slow poll of 10 minutes: any row that had to wait for it would time out below.
        try withDaemon(database, maxDelay: .milliseconds(20), pollInterval: .seconds(600)) { _ in
            let writer = try database.connect()
            for round in 0..<40 {
                // Vary where in the idle protocol the daemon is when the write lands:
                // back-to-back writes, and writes after it has had time to go idle.
                let report: VerifyReport
                try writer.execute("INSERT INTO orders (branch, customer, amount, status) VALUES ($1, 'c', 1, 'NEW')", ["round-\(round)"])
                if round % 4 == 0 {
                    _ = try writer.waitForNotifications(timeout: Double(round % 8) * 0.01)
                }
                report = try database.verify(timeout: .seconds(5))
                #expect(report.isClean, "round \(round): \(report)")
            }
        }
    }

    @Test("the daemon survives the database restarting and catches up", arguments: CaptureMode.allCases)
    func databaseRestart(_ mode: CaptureMode) throws {
        let cluster = try PostgresCluster.start(settings: mode == .logical ? ["wal_level": "logical"] : [:])
        defer { try? cluster.stop() }
        let name = try cluster.makeDatabase("retail")
        try cluster.psqlFile(Repository.root + "/sql/retail.sql", database: name)
        var installOptions = CaptureInstaller.Options()
        installOptions.capture = mode
        installOptions.dsn = cluster.dsn(database: name)
        _ = try CaptureInstaller(connection: PostgresConnection(dsn: cluster.dsn(database: name)))
            .install(TableName.retailDefaults, options: installOptions)
        let lake = try Repository.temporaryDirectory("medallion-lake")
        defer { try? FileManager.default.removeItem(atPath: lake) }
        let daemon = try ChildProcess(Repository.medallionExecutable(), ["run"], environment: [
            "MEDALLION_DSN": cluster.dsn(database: name), "MEDALLION_LAKE": lake, "MEDALLION_MAX_DELAY": "50ms",
        ])
        try daemon.waitForOutput("caught up to bookmark")
        try cluster.psql("INSERT INTO orders (branch, customer, amount, status) VALUES ('a', 'c', 1, 'NEW')", database: name)
        try daemon.waitForOutput("committed batch")
        try cluster.restart()
        try daemon.waitForOutput("reconnecting")
        try cluster.psql("INSERT INTO orders (branch, customer, amount, status) VALUES ('b', 'c', 2, 'NEW')", database: name)
        var options = Verifier.Options()
        options.timeout = .seconds(60)
        let report = try Verifier(connection: PostgresConnection(dsn: cluster.dsn(database: name)), lake: LocalLake(root: lake), options: options)
            .verify(TableName.retailDefaults)
        #expect(report.isClean, "\(report)\n\(daemon.output)")
        #expect(report.tables[0].matching == 2)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test("ADD COLUMN while the daemon streams: the next changes carry the new column", arguments: CaptureMode.allCases)
    func addColumnWhileStreaming(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(2)
            #expect(try database.verify().isClean)
            try database.sql("ALTER TABLE orders ADD COLUMN channel text")
            try database.sql("INSERT INTO orders (branch, customer, amount, status, channel) VALUES ('b', 'c', 1, 'NEW', 'web')")
            try database.sql("UPDATE orders SET channel = 'shop' WHERE id = 1")
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 3)
        }
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])
        #expect((seen["non_null"] as? [String: Int])?["channel"] == 2)
    }

    @Test("after ADD COLUMN and a re-install, new files carry the column and old and new files read together",
          arguments: CaptureMode.allCases)
    func schemaEvolution(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(3)
        try withDaemon(database) { _ in
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
        }
        try database.sql("ALTER TABLE orders ADD COLUMN channel text")
        #expect(try database.medallion(["install", "orders"]).status == 0)
        try database.sql("INSERT INTO orders (branch, customer, amount, status, channel) VALUES ('b', 'c', 1, 'NEW', 'web')")
        try withDaemon(database) { _ in
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
        }
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])
        #expect(seen["duckdb_rows"] as? Int == 4)
        let columns = seen["columns"] as? [String] ?? []
        #expect(columns.contains("channel"))
        #expect((seen["non_null"] as? [String: Int])?["channel"] == 1)
        let spark = try PythonTool.sparkSubmit(Repository.root + "/Tests/python/spark_read_bronze.py",
                                               [database.lakeDirectory, "orders", "channel"])
        let line = spark.stdout.split(separator: "\n").first { $0.hasPrefix("RESULT-JSON ") } ?? ""
        let sparkSeen = try JSONSerialization.jsonObject(with: Data(line.dropFirst("RESULT-JSON ".count).utf8)) as? [String: Any]
        #expect(sparkSeen?["rows"] as? Int == 4)
        let sparkColumns = sparkSeen?["columns"] as? [String] ?? []
        #expect(sparkColumns.contains("channel"))
        #expect(sparkSeen?["non_null"] as? Int == 1)
    }
}
