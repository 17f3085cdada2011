import Foundation
import Testing
import TestSupport

/// The silver and gold jobs on hand-computed fixtures, run in one Spark session by
/// `spark-jobs/tests/check_jobs.py`: one batch at a time (cold and as the warm driver
/// keeps silver), all at once, a no-op re-run, a re-run of batches already consumed, and
/// `refresh --full` over the same lake.
@Suite struct JobCorrectnessTests {
    /// The fixtures check_jobs.py runs, by name.
    static var fixtures: [(String, BronzeFixture)] {
        [("retail", .retail), ("contract", .contract), ("truncation", .truncation), ("buckets", .buckets)]
    }

    /// Runs check_jobs.py once for the whole suite (one cold Spark start).
    static let output: Result<Data, any Error> = Result {
        let work = try Repository.temporaryDirectory("medallion-jobs")
        let specs = try fixtures.map { name, fixture in try fixture.specFile(in: work + "/" + name) }
        let result = try PythonTool.sparkSubmit(Repository.root + "/spark-jobs/tests/check_jobs.py", [work] + specs,
                                                jvmOptions: SparkTestJVM.longJobOptions)
        guard let line = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("CHECK-JOBS ") }) else {
            throw HarnessError("check_jobs.py printed no result:\n\(result.stdout)\n\(result.stderr.suffix(3000))")
        }
        try? FileManager.default.removeItem(atPath: work)
        return Data(line.dropFirst(11).utf8)
    }

    static var outcome: Result<[String: Any], any Error> {
        Result { try JSONSerialization.jsonObject(with: output.get()) as? [String: Any] ?? [:] }
    }

    /// What check_jobs.py says of `fixture` run the way `run` (incremental, full, ...).
    static func result(_ fixture: String, _ run: String) throws -> [String: Any] {
        let object = try #require(try outcome.get()[fixture] as? [String: Any])
        return try #require(object[run] as? [String: Any], "no \(run) for \(fixture)")
    }

    static func branchMetrics(_ rows: Any?) throws -> [BranchMetric] {
        let rows = try #require(rows as? [[Any]])
        return rows.map { BranchMetric(branch: $0[0] as! String, orders: ($0[1] as! NSNumber).intValue, hours: ($0[2] as? NSNumber)?.doubleValue) }
    }

    static func metrics(_ run: String, of fixture: String = "retail") throws -> [BranchMetric] {
        try branchMetrics(result(fixture, run)["branches"])
    }

    /// Rows of values as text ("null" for NULL), for comparing with hand-written rows.
    static func texts(_ rows: Any?) throws -> [[String]] {
        try #require(rows as? [[Any]]).map { row in row.map { $0 is NSNull ? "null" : "\($0)" } }
    }

    @Test func goldMatchesHandComputedAnswers() throws {
        let gold = try Self.metrics("full")
        #expect(gold ≈ BronzeFixture.retailExpected, "\(gold)")
        let full = try Self.result("retail", "full")
        // The pivot: one record per order with its order and delivery dates.
        let orders = try Self.texts(full["orders"])
        #expect(orders.first { $0[0] == "1" } == ["1", "A", "2026-01-01", "2026-01-02"])
        #expect(orders.first { $0[0] == "2" } == ["2", "A", "2026-01-01", "null"])  // not delivered
        #expect(!orders.contains { $0[0] == "5" || $0[0] == "9" })
        // The dashboard's JSON carries the same rows, with when and which batch.
        let json = try #require(full["json"] as? [String: Any])
        #expect((json["bronze_batch"] as? NSNumber)?.intValue == 3)
        #expect(json["produced_at"] is String)
        #expect((json["branches"] as? [Any])?.count == 3)
        let marker = try #require(full["marker"] as? [String: Any])
        #expect((marker["bronze_batch"] as? NSNumber)?.intValue == 3)
    }

    /// Per branch and UTC day of the NEW change, for `retail` by hand: A's three orders on
    /// 1 January (30 h, not delivered, 2.5 h), B's order 3 (3 h) on the 1st and order 8
    /// (not delivered: empty) on the 2nd, C's orders 6 and 7 (1 h).
    @Test func branchDailyMatchesHandComputedAnswers() throws {
        let full = try Self.result("retail", "full")
        let expected: [DailyRow] = [
            DailyRow("A", "2026-01-01", 3, 16.25), DailyRow("B", "2026-01-01", 1, 3.0), DailyRow("B", "2026-01-02", 1, nil),
            DailyRow("C", "2026-01-01", 2, 1.0),
        ]
        #expect(try Self.dailyRows(full["daily"]) == expected)
        // The JSON form has the same rows, and the result's produced_at and batch.
        let json = try #require(full["daily_json"] as? [String: Any])
        let marker = try #require(full["marker"] as? [String: Any])
        #expect(json["produced_at"] as? String == marker["produced_at"] as? String)
        #expect((json["bronze_batch"] as? NSNumber)?.intValue == 3)
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(try Self.dailyRows(rows.map { [$0["branch"]!, $0["day"]!, $0["order_count"]!, $0["avg_delivery_hours"]!] }) == expected)
    }

    struct DailyRow: Equatable, CustomStringConvertible {
        var branch: String, day: String, orders: Int, hours: Double?
        init(_ branch: String, _ day: String, _ orders: Int, _ hours: Double?) {
            (self.branch, self.day, self.orders, self.hours) = (branch, day, orders, hours)
        }
        var description: String { "\(branch),\(day),\(orders),\(hours.map { "\($0)" } ?? "")" }
    }

    static func dailyRows(_ rows: Any?) throws -> [DailyRow] {
        try #require(rows as? [[Any]]).map { row in
            DailyRow(row[0] as? String ?? "?", row[1] as? String ?? "?", (row[2] as? NSNumber)?.intValue ?? -1,
                     (row[3] as? NSNumber)?.doubleValue)
        }
    }

    /// gold/branch_daily equals, value by value, the aggregate DuckDB computes in SQL from
    /// silver's files, for every fixture and every way of running the jobs.
    @Test(arguments: ["retail", "contract", "truncation", "buckets"])
    func branchDailyEqualsSQL(_ fixture: String) throws {
        for run in ["incremental", "warm", "rerun", "rebuilt", "full"] {
            let result = try Self.result(fixture, run)
            let gold = try Self.dailyRows(result["daily"])
            let sql = try Self.dailyRows(result["daily_sql"])
            #expect(!sql.isEmpty, "\(fixture) \(run): no rows from SQL")
            #expect(gold.count == sql.count, "\(fixture) \(run): \(gold) vs SQL \(sql)")
            for (row, expected) in zip(gold, sql) {
                let sameHours = (row.hours == nil && expected.hours == nil)
                    || (row.hours != nil && expected.hours != nil && abs(row.hours! - expected.hours!) < 1e-9)
                #expect(row.branch == expected.branch && row.day == expected.day && row.orders == expected.orders && sameHours,
                        "\(fixture) \(run): \(row) vs SQL \(expected)")
            }
        }
    }

    @Test func incrementalEqualsFull() throws {
        let incremental = try Self.result("retail", "incremental")
        let full = try Self.result("retail", "full")
        #expect(try Self.metrics("incremental") == Self.metrics("full"))
        #expect("\(incremental["orders"] ?? "")" == "\(full["orders"] ?? "")")
        #expect("\(incremental["daily"] ?? "")" == "\(full["daily"] ?? "")")
        #expect(incremental["silver_rows"] as? Int == full["silver_rows"] as? Int)
    }

    /// The warm driver's way: silver kept in memory between runs gives the same gold,
    /// batches 1 and 2 (inserts and updates only) on the light path, batch 3 (deletes)
    /// on Spark.
    @Test func warmIncrementalEqualsFull() throws {
        let warm = try Self.result("retail", "warm")
        #expect(warm["light_runs"] as? [Bool] == [true, true, false])
        let full = try Self.result("retail", "full")
        #expect(try Self.metrics("warm") == Self.metrics("full"))
        #expect("\(warm["orders"] ?? "")" == "\(full["orders"] ?? "")")
        #expect(warm["silver_rows"] as? Int == full["silver_rows"] as? Int)
        #expect(warm["silver_rows"] as? Int == warm["silver_keys"] as? Int)
        let noop = try Self.result("retail", "warm_noop")
        #expect((noop["batches"] as? NSNumber)?.intValue == 0)
        #expect(noop["gold_skipped"] as? Bool == true)
    }

    /// The light path with two keys per file: every warm run but the delete's takes it, and
    /// its order index is carried over that Spark-path run; partitions hold
    /// several key-range files, keys that move partition leave their old one, and silver
    /// and gold equal every other way's (and the hand-computed gold).
    @Test func lightPathWithKeyRangeFiles() throws {
        let warm = try Self.result("buckets", "warm")
        #expect(warm["light_runs"] as? [Bool] == [true, true, true, false, true])
        // Built once by the first light run, then carried over the Spark-path run.
        #expect(warm["index_rebuilds"] as? Int == 1, "\(warm["index_rebuilds"] ?? "")")
        #expect(((warm["files_per_partition"] as? NSNumber)?.intValue ?? 0) >= 3, "\(warm["files_per_partition"] ?? "")")
        let full = try Self.result("buckets", "full")
        #expect(try Self.metrics("warm", of: "buckets") ≈ BronzeFixture.bucketsExpected)
        for run in ["warm", "incremental", "rerun", "rebuilt", "full"] {
            let result = try Self.result("buckets", run)
            #expect(try Self.metrics(run, of: "buckets") == Self.metrics("full", of: "buckets"), "\(run)")
            #expect("\(result["orders"] ?? "")" == "\(full["orders"] ?? "")", "\(run)")
            let silver = try #require(result["silver"] as? [String: Any])
            let fullSilver = try #require(full["silver"] as? [String: Any])
            for table in ["orders", "status"] {
                #expect("\(silver[table] ?? "")" == "\(fullSilver[table] ?? "")", "\(run) \(table)")
            }
            let dates = try #require(result["silver_dates"] as? [String: Any])
            #expect(try Self.texts(dates["orders"]) == BronzeFixture.bucketsOrderDates, "\(run)")
            #expect(try Self.texts(dates["status"]) == BronzeFixture.bucketsStatusDates, "\(run)")
            #expect(result["silver_rows"] as? Int == result["silver_keys"] as? Int, "\(run)")
        }
    }

    /// After its first run (which lists: it reads all of bronze so far, compacted or not), a
    /// run reads the files the daemon's commit records name for the batches it covers:
    /// no listing of bronze, whose cost would grow with its history. Without the records
    /// (older than the daemon keeps) it lists the partitions, with the same result.
    @Test(arguments: ["retail", "contract", "truncation"])
    func silverReadsTheFilesItIsHandedWithoutListingBronze(_ fixture: String) throws {
        for run in ["incremental", "warm"] {
            let result = try Self.result(fixture, run)
            #expect((result["bronze_listings"] as? NSNumber)?.intValue == 0, "\(fixture) \(run)")
        }
        let listed = try Self.result(fixture, "listed")
        let incremental = try Self.result(fixture, "incremental")
        #expect(((listed["bronze_listings"] as? NSNumber)?.intValue ?? 0) > 0)
        #expect(try Self.branchMetrics(listed["branches"]) == Self.branchMetrics(incremental["branches"]))
        #expect("\(listed["steps"] ?? "")" == "\(incremental["steps"] ?? "")")
        let listedSilver = try #require(listed["silver"] as? [String: Any])
        let incrementalSilver = try #require(incremental["silver"] as? [String: Any])
        for table in ["orders", "status"] {
            #expect("\(listedSilver[table] ?? "")" == "\(incrementalSilver[table] ?? "")", "\(fixture) \(table)")
        }
    }

    /// After its first run gold recomputes only the orders silver changed and their days
    /// (silver/_state/changes), with the same figures as a run over everything (the
    /// other tests compare them); a TRUNCATE makes it recompute everything.
    @Test func goldRecomputesOnlyWhatSilverChanged() throws {
        for run in ["incremental", "warm"] {
            let ways = try #require(Self.result("retail", run)["gold_ways"] as? [Bool], "\(run)")
            #expect(ways.count > 2 && ways.first == false && ways.dropFirst().allSatisfy { $0 }, "\(run): \(ways)")
            let contract = try #require(Self.result("contract", run)["gold_ways"] as? [Bool], "\(run)")
            #expect(contract.dropFirst().contains(true), "\(run): \(contract)")
            let truncation = try #require(Self.result("truncation", run)["gold_ways"] as? [Bool], "\(run)")
            #expect(truncation.contains(false) && truncation.dropFirst().contains(true), "\(run): \(truncation)")
        }
    }

    @Test func rerunsDoNotDuplicate() throws {
        let noop = try Self.result("retail", "noop")
        #expect((noop["batches"] as? NSNumber)?.intValue == 0)
        #expect(noop["gold_skipped"] as? Bool == true)
        let rerun = try Self.result("retail", "rerun")
        #expect(try Self.metrics("rerun") == Self.metrics("full"))
        #expect(rerun["silver_rows"] as? Int == rerun["silver_keys"] as? Int)
        #expect(try Self.metrics("rebuilt") == Self.metrics("full"))
    }

    /// Every way of running the jobs over the contract fixture ends with the newer change
    /// of each key (by `_seq`, whatever the batch or `_txid`), key changes applied, deletes
    /// kept against older changes arriving later, and `_overflow` applied.
    @Test(arguments: ["incremental", "warm", "rerun", "rebuilt", "full"])
    func contractCases(_ run: String) throws {
        let result = try Self.result("contract", run)
        let gold = try Self.branchMetrics(result["branches"])
        #expect(gold ≈ BronzeFixture.contractSteps.last!, "\(run): \(gold)")
        #expect(try Self.texts(result["orders"]) == BronzeFixture.contractOrders, "\(run)")
        let silver = try #require(result["silver"] as? [String: Any])
        #expect(try Self.texts(silver["orders"]) == BronzeFixture.contractSilverOrders, "\(run)")
        #expect(try Self.texts(silver["status"]) == BronzeFixture.contractSilverStatus, "\(run)")
    }

    /// TRUNCATE markers between and within batches, and older changes arriving after them.
    @Test(arguments: ["incremental", "warm", "rerun", "rebuilt", "full"])
    func truncationCases(_ run: String) throws {
        let result = try Self.result("truncation", run)
        let gold = try Self.branchMetrics(result["branches"])
        #expect(gold ≈ BronzeFixture.truncationSteps.last!, "\(run): \(gold)")
        let silver = try #require(result["silver"] as? [String: Any])
        #expect(try Self.texts(silver["orders"]) == BronzeFixture.truncationSilverOrders, "\(run)")
        #expect(try Self.texts(silver["status"]) == BronzeFixture.truncationSilverStatus, "\(run)")
    }

    /// Gold after each batch, run one batch at a time (cold and warm), as computed by hand.
    @Test(arguments: ["contract", "truncation"], ["incremental", "warm"])
    func goldAfterEachBatch(_ fixture: String, _ run: String) throws {
        let expected = fixture == "contract" ? BronzeFixture.contractSteps : BronzeFixture.truncationSteps
        let steps = try #require(try Self.result(fixture, run)["steps"] as? [Any])
        #expect(steps.count == expected.count)
        for (index, step) in steps.enumerated() where index < expected.count {
            let gold = try Self.branchMetrics(step)
            #expect(gold ≈ expected[index], "\(fixture) \(run), after batch \(index + 1): \(gold)")
        }
    }

    /// The re-runs re-read two batches already consumed (for truncation, batch 5 with its
    /// orders marker, and batch 6), a no-op run reads none, and no way duplicates a row.
    @Test(arguments: ["retail", "contract", "truncation", "buckets"])
    func rerunsCoverTwoBatches(_ fixture: String) throws {
        let object = try #require(try Self.outcome.get()[fixture] as? [String: Any])
        #expect((object["rerun_batches"] as? NSNumber)?.intValue == 2)
        let noop = try Self.result(fixture, "noop")
        #expect((noop["batches"] as? NSNumber)?.intValue == 0)
        for run in ["incremental", "warm", "rerun", "rebuilt", "full"] {
            let result = try Self.result(fixture, run)
            #expect(result["silver_rows"] as? Int == result["silver_keys"] as? Int, "\(fixture) \(run)")
        }
    }
}
