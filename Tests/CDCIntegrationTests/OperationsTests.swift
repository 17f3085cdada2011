import Foundation
import Retail
import Testing
import TestSupport
@testable import CDC

@Suite("Operations", .serialized)
struct OperationsTests {
    @Test("a second daemon on the same lake is refused, naming the holder")
    func secondDaemonRefused() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let first = try database.startDaemon()
        let second = try database.medallion(["run"])
        #expect(second.status != 0)
        #expect(second.error.contains("Another medallion daemon is writing to"), "\(second.error)")
        #expect(second.error.contains("pid \(first.pid)"))
        first.signal(SIGTERM)
        #expect(try first.waitForExit() == 0)
        // A stopped daemon's lease does not block the next one.
        let third = try database.startDaemon()
        third.signal(SIGTERM)
        #expect(try third.waitForExit() == 0)
    }

    @Test("/metrics counts captured rows and batches; /healthz and /readyz answer")
    func metricsEndpoint() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let port = try PostgresCluster.freePort()
        let daemon = try database.startDaemon(["MEDALLION_METRICS_ADDRESS": "127.0.0.1:\(port)"])
        try database.insertOrders(7)
        #expect(try database.verify().isClean)
        let base = "http://127.0.0.1:\(port)"
        let metrics = try Command.run("/usr/bin/curl", ["-sf", base + "/metrics"]).output
        #expect(metrics.contains("medallion_rows_captured_total{table=\"public.orders\"} 7"), "\(metrics)")
        #expect(metrics.contains("medallion_rows_captured_total{table=\"public.ordershistory\"} 7"))
        #expect(metrics.contains("medallion_batches_committed_total"))
        #expect(metrics.contains("medallion_batch_duration_seconds"))
        #expect(metrics.contains("medallion_capture_backlog_rows"))
        // Pruning follows the commit on its own connection; nothing announces it but the metric.
        let pruned = try Poll.until("the committed rows are pruned") {
            let text = try Command.run("/usr/bin/curl", ["-sf", base + "/metrics"]).output
            return text.contains("medallion_rows_pruned_total{table=\"public.orders\"} 7") ? text : nil
        }
        let pending = pruned.split(separator: "\n").first { $0.hasPrefix("medallion_prune_pending_rows{table=\"public.orders\"} ") }
        #expect(pending.flatMap { Double($0.split(separator: " ").last ?? "") } == 0, "\(pruned)")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0")
        #expect(try Command.run("/usr/bin/curl", ["-sf", base + "/healthz"]).status == 0)
        #expect(try Command.run("/usr/bin/curl", ["-sf", base + "/readyz"]).output.contains("ready"))
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test("status --json reports the bookmark, the backlog and the watermark holder")
    func statusJSON() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(4)
        let daemon = try database.startDaemon()
        #expect(try database.verify().isClean)
        daemon.signal(SIGTERM)
        try daemon.waitForExit()
        // Three changes wait in the capture table, and an open transaction holds the watermark.
        try database.insertOrders(3)
        let holder = try database.connect()
        try holder.execute("BEGIN")
        try holder.execute("INSERT INTO orders (branch, customer, amount, status) VALUES ('h', 'c', 1, 'NEW')")
        let result = try database.medallion(["status", "--json"])
        try holder.execute("ROLLBACK")
        #expect(result.status == 0, "\(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let bookmark = try #require(object["bookmark"] as? [String: Any])
        #expect(bookmark["batch"] as? Int ?? 0 >= 1)
        #expect(object["daemon_running"] as? Bool == false)
        let tables = try #require(object["tables"] as? [[String: Any]])
        let orders = try #require(tables.first { $0["table"] as? String == "public.orders" })
        #expect(orders["backlog_rows"] as? Int == 3)
        let watermark = try #require(object["watermark_holder"] as? [String: Any])
        #expect(watermark["pid"] as? Int == Int(holder.backendPID))
        let text = try database.medallion(["status"])
        #expect(text.output.contains("backlog       public.orders: 3 row(s)"))
    }

    @Test("SIGTERM under load finishes the batch in hand, exits 0, and verify is clean")
    func gracefulStop() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let stopSimulator = database.startSimulator(rate: 300, delay: 0.05...0.2)
        let daemon = try database.startDaemon()
        try daemon.waitForOutput("committed batch", occurrences: 3)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit(timeout: 10) == 0, "\(daemon.output)")
        #expect(daemon.output.contains("capture stopped"))
        stopSimulator()
        let restarted = try database.startDaemon()
        let report = try database.verify()
        #expect(report.isClean, "\(report)")
        restarted.signal(SIGTERM)
        #expect(try restarted.waitForExit() == 0)
    }
}
