import Foundation
import Lake
import Testing
import TestSupport
@testable import CDC

@Suite("Compaction in the daemon", .serialized)
struct CompactionDaemonTests {
    @Test("the daemon compacts closed partitions between batches, finishes a compaction a crash interrupted, and verify stays clean",
          arguments: CaptureMode.allCases)
    func daemonCompacts(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        var daemon = try database.startDaemon(["MEDALLION_COMPACT_INTERVAL": "off"])
        for round in 1...6 {
            try database.insertOrders(5, branch: "round-\(round)")
            try daemon.waitForOutput("committed batch", occurrences: round)
        }
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        // As if the day had ended: the partitions written so far move to a past date.
        for table in ["orders", "ordershistory"] {
            let partitions = try database.lake.list("bronze/\(table)").filter(\.isDirectory)
            #expect(partitions.count == 1)
            try database.lake.rename(partitions[0].path, to: "bronze/\(table)/date=2026-01-01")
        }
        let smallFiles = try database.lake.list("bronze/orders/date=2026-01-01").count
        #expect(smallFiles >= 6)
        let seenBefore = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])

        let crashing = try database.startDaemon(["MEDALLION_COMPACT_GRACE": "0", "MEDALLION_FAULT": "compact-after-exchange"],
                                                waitUntilReady: false)
        #expect(try crashing.waitForExit() == 86, "\(crashing.output)")
        daemon = try database.startDaemon(["MEDALLION_COMPACT_GRACE": "0", "MEDALLION_COMPACT_INTERVAL": "1s"])
        try daemon.waitForOutput("finishing a compaction interrupted after its exchange")
        try daemon.waitForOutput("compacted partition", occurrences: 2)
        try database.insertOrders(7, branch: "after-compaction")
        let report = try database.verify()
        #expect(report.isClean, "\(report)\n\(daemon.output)")
        #expect(report.tables[0].matching == 37)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)

        for table in ["orders", "ordershistory"] {
            let files = try database.lake.list("bronze/\(table)/date=2026-01-01").filter { !LakePath.isHidden($0.name) }
            #expect(files.count == 1 && files[0].name.contains("-c"), "\(table): \(files.map(\.name))")
        }
        #expect(try database.lake.listFilesRecursively("bronze/_cdc/compacting").isEmpty)
        #expect(try !database.lake.exists(BronzeLayout.compactionIntent))
        let seenAfter = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])
        let rowsBefore = seenBefore["duckdb_rows"] as? Int ?? -1
        #expect(seenAfter["duckdb_rows"] as? Int == rowsBefore + 7 && seenAfter["pyarrow_rows"] as? Int == rowsBefore + 7)
    }
}
