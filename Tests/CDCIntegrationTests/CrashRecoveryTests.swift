import Foundation
import Lake
import Parquet
import Retail
import Testing
import TestSupport
@testable import CDC

@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    @Test("a crash after every step of the commit protocol loses nothing, duplicates nothing, shows no partial file",
          arguments: CaptureMode.allCases.flatMap { mode in
              // Logical capture prunes nothing while it streams.
              FaultInjector.Step.allCases.filter { mode == .trigger || $0 != .afterPrune }.map { (mode, $0) }
          })
    func crashAtStep(_ mode: CaptureMode, _ step: FaultInjector.Step) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(30)
        let crashing = try database.startDaemon(["MEDALLION_FAULT": "\(step.rawValue)@1"], waitUntilReady: false)
        #expect(try crashing.waitForExit() == 86, "\(crashing.output)")
        try assertNoPartialFiles(database.lake)
        try database.insertOrders(10, branch: "after-crash")
        let daemon = try database.startDaemon()
        let report = try database.verify()
        #expect(report.isClean, "\(step): \(report)\n\(daemon.output)")
        #expect(report.tables[0].matching == 40)
        // Each insert once: a transaction sent again is not stored again under a new _seq.
        #expect(report.tables[0].bronzeChanges == 40, "\(step): \(report)")
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        try assertNoPartialFiles(database.lake)
        #expect(try database.lake.list("bronze/orders").allSatisfy { !$0.name.hasPrefix(".") })
    }

    @Test("draining a backlog, a batch is published while the next is read: a crash at any step of that publish loses nothing",
          arguments: CaptureMode.allCases.flatMap { mode in
              FaultInjector.Step.allCases.filter { mode == .trigger || $0 != .afterPrune }.map { (mode, $0) }
          })
    func crashWhilePipelined(_ mode: CaptureMode, _ step: FaultInjector.Step) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        // One transaction each: logical capture cuts batches between transactions.
        try database.sql("""
            DO $$ DECLARE new_id bigint; BEGIN
                FOR i IN 1..40 LOOP
                    INSERT INTO orders (branch, customer, amount, status) VALUES ('b', 'customer-' || i, i, 'NEW') RETURNING id INTO new_id;
                    INSERT INTO ordershistory (order_id, status) VALUES (new_id, 'NEW');
                    COMMIT;
                END LOOP;
            END $$
            """)
        // 80 rows in batches of 7 (logical: of whole transactions, 8 rows): in trigger
        // capture batch 2 is published while batch 3 is read.
        let crashing = try database.startDaemon(["MEDALLION_FAULT": "\(step.rawValue)@2", "MEDALLION_MAX_ROWS": "7"],
                                                waitUntilReady: false)
        #expect(try crashing.waitForExit() == 86, "\(crashing.output)")
        try assertNoPartialFiles(database.lake)
        let daemon = try database.startDaemon(["MEDALLION_MAX_ROWS": "7"])
        let report = try database.verify()
        #expect(report.isClean, "\(step): \(report)\n\(daemon.output)")
        #expect(report.tables.map(\.matching) == [40, 40])
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        let bookmark = try BronzeCommitter(lake: database.lake, fault: FaultInjector(step: nil, batch: nil)).loadBookmark()
        #expect(bookmark.batch >= (mode == .trigger ? 12 : 10), "80 rows in batches of at most 7 (logical: 8)")
        // Prunes deferred while the backlog drained and lost in the crash are redone.
        #expect(try database.sql("SELECT (SELECT count(*) FROM cdc.orders_changes) + (SELECT count(*) FROM cdc.ordershistory_changes)") == "0")
    }

    @Test("SIGKILL at random moments under simulator load: verify is clean at the end", arguments: CaptureMode.allCases)
    func killUnderLoad(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        let stopSimulator = database.startSimulator(rate: 200, delay: 0.05...0.3)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<4 {
            let daemon = try database.startDaemon()
            // Kill after a random number of committed batches, mid-stream.
            let batches = Int.random(in: 1...4, using: &generator)
            try daemon.waitForOutput("committed batch", occurrences: batches, timeout: 60)
            _ = round
            daemon.signal(SIGKILL)
            try daemon.waitForExit()
            try assertNoPartialFiles(database.lake)
        }
        stopSimulator()
        let daemon = try database.startDaemon()
        let report = try database.verify(timeout: .seconds(60))
        #expect(report.isClean, "\(report)")
        #expect(report.tables.allSatisfy { $0.duplicates == 0 && $0.matching > 0 })
        // History rows are only inserted: each is in bronze exactly once.
        let history = report.tables.first { $0.table.name == "ordershistory" }
        #expect(history != nil && history?.bronzeChanges == history?.sourceRows, "\(report)")
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }
}

/// Every visible bronze file is a complete Parquet file.
func assertNoPartialFiles(_ lake: LocalLake) throws {
    for file in try lake.listFilesRecursively("bronze") where file.name.hasSuffix(".parquet") && !file.name.hasPrefix(".") {
        #expect(file.size > 0, "\(file.path) is empty")
        #expect(throws: Never.self, "\(file.path) is not a complete Parquet file") {
            _ = try ParquetReader(bytes: try lake.read(file.path))
        }
    }
}
