import Foundation
import Testing
import TestSupport

/// Simulator → capture daemon → warm `local` stages → gold, checked against the same
/// aggregates computed by SQL on the source tables.
@Suite struct EndToEndTests {
    @Test func goldFromTheDaemonEqualsSQLOnTheSource() throws {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.makeDatabase("stages")
        let work = try Repository.temporaryDirectory("medallion-e2e")
        defer {
            _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            try? FileManager.default.removeItem(atPath: work)
        }
        try cluster.psqlFile(Repository.root + "/sql/retail.sql", database: database)
        let lake = work + "/lake"
        let environment = SparkTestJVM.adding(to: [
            "MEDALLION_DSN": cluster.dsn(database: database),
            "MEDALLION_LAKE": "file://" + lake,
            "MEDALLION_LOG_LEVEL": "info",
            "MEDALLION_MAX_DELAY": "50ms",
            "MEDALLION_STAGES": "local",
            "MEDALLION_STAGE_LOG_DIR": work,
        ].merging(try PythonTool.stageEnvironment()) { $1 })
        let medallion = try Repository.medallionExecutable()
        try Command.run(medallion, ["install"], environment: environment)
        let daemon = try ChildProcess(medallion, ["run"], environment: environment)
        defer { daemon.signal(SIGKILL) }
        try daemon.waitForOutput("caught up to bookmark")

        // Delivered orders over several branches and batches, then some never delivered.
        try Command.run(medallion, ["simulate", "--orders", "40", "--rate", "40", "--branches", "4", "--delays", "0.1-0.6"],
                        environment: environment)
        try cluster.psql("""
            WITH o AS (INSERT INTO orders (branch, customer, amount, status)
                       SELECT 'branch-0' || (g % 3 + 1), 'late-' || g, 9.99, 'NEW' FROM generate_series(1, 5) g RETURNING id)
            INSERT INTO ordershistory (order_id, status) SELECT id, 'NEW' FROM o
            """, database: database)
        let verify = try Command.run(medallion, ["verify", "--timeout", "300s"], environment: environment, check: false)
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")

        // Gold covers the last committed batch.
        let bookmark = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: lake + "/bronze/bookmark")))
        let batch = try #require((bookmark as? [String: Any])?["batch"] as? Int)
        try daemon.waitForOutput("bronze_batch=\(batch) ", timeout: 900)

        let expected = try cluster.psql("""
            SELECT o.branch, count(*), coalesce(avg(extract(epoch FROM d.t - n.t) / 3600)::text, '')
            FROM orders o
            JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'NEW' GROUP BY 1) n ON n.order_id = o.id
            LEFT JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'DELIVERED' GROUP BY 1) d ON d.order_id = o.id
            GROUP BY o.branch ORDER BY o.branch
            """, database: database).split(separator: "\n").map { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            return BranchMetric(branch: fields[0], orders: Int(fields[1]) ?? -1, hours: Double(fields[2]))
        }
        let gold = try BranchMetric.read(lake: lake)
        #expect(gold ≈ expected, "gold \(gold) vs SQL \(expected)")
        #expect(expected.reduce(0) { $0 + $1.orders } == 45)

        // Per branch and UTC day of the NEW change, value by value.
        let expectedDaily = try cluster.psql("""
            SELECT o.branch, to_char(n.t AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*),
                   coalesce(avg(extract(epoch FROM d.t - n.t) / 3600)::text, '')
            FROM orders o
            JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'NEW' GROUP BY 1) n ON n.order_id = o.id
            LEFT JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'DELIVERED' GROUP BY 1) d ON d.order_id = o.id
            GROUP BY 1, 2 ORDER BY 1, 2
            """, database: database).split(separator: "\n").map(String.init)
        let daily = try BranchMetric.readDaily(lake: lake)
        #expect(daily.count == expectedDaily.count && !daily.isEmpty, "gold \(daily) vs SQL \(expectedDaily)")
        for (row, sql) in zip(daily, expectedDaily) {
            let fields = sql.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let goldFields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let hours = Double(goldFields[3]), wanted = Double(fields[3])
            #expect(goldFields[0] == fields[0] && goldFields[1] == fields[1] && goldFields[2] == fields[2]
                && (hours == nil) == (wanted == nil) && abs((hours ?? 0) - (wanted ?? 0)) < 1e-6,
                    "gold \(row) vs SQL \(sql)")
        }

        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit(timeout: 120) == 0)
    }
}
