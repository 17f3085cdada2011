import Foundation
import Testing
import TestSupport

/// The silver and gold jobs on a hand-computed fixture, run in one Spark session by
/// `spark-jobs/tests/check_jobs.py`: one batch at a time, all at once, a no-op re-run,
/// and a re-run of a batch already consumed.
@Suite struct JobCorrectnessTests {
    /// Runs check_jobs.py once for the whole suite (one cold Spark start).
    static let output: Result<Data, any Error> = Result {
        let work = try Repository.temporaryDirectory("medallion-jobs")
        let spec = try BronzeFixture.retail.specFile(in: work)
        let result = try PythonTool.sparkSubmit(Repository.root + "/spark-jobs/tests/check_jobs.py", [spec, work])
        guard let line = result.stdout.split(separator: "\n").last(where: { $0.hasPrefix("CHECK-JOBS ") }) else {
            throw HarnessError("check_jobs.py printed no result:\n\(result.stdout)\n\(result.stderr.suffix(3000))")
        }
        try? FileManager.default.removeItem(atPath: work)
        return Data(line.dropFirst(11).utf8)
    }

    static var outcome: Result<[String: Any], any Error> {
        Result { try JSONSerialization.jsonObject(with: output.get()) as? [String: Any] ?? [:] }
    }

    static func metrics(_ run: String) throws -> [BranchMetric] {
        let object = try outcome.get()
        let gold = try #require(object[run] as? [String: Any])
        let rows = try #require(gold["branches"] as? [[Any]])
        return rows.map { BranchMetric(branch: $0[0] as! String, orders: ($0[1] as! NSNumber).intValue, hours: ($0[2] as? NSNumber)?.doubleValue) }
    }

    @Test func goldMatchesHandComputedAnswers() throws {
        let gold = try Self.metrics("full")
        #expect(gold ≈ BronzeFixture.retailExpected, "\(gold)")
        let object = try Self.outcome.get()
        let full = try #require(object["full"] as? [String: Any])
        // The pivot: one record per order with its order and delivery dates.
        let rows = try #require(full["orders"] as? [[Any]])
        let orders: [[String]] = rows.map { row in row.map { "\($0)" } }
        #expect(orders.first { $0[0] == "1" } == ["1", "A", "2026-01-01", "2026-01-02"])
        #expect(orders.first { $0[0] == "2" } == ["2", "A", "2026-01-01", "\(NSNull())"])  // not delivered
        #expect(!orders.contains { $0[0] == "5" || $0[0] == "9" })
        // The dashboard's JSON carries the same rows, with when and which batch.
        let json = try #require(full["json"] as? [String: Any])
        #expect((json["bronze_batch"] as? NSNumber)?.intValue == 3)
        #expect(json["produced_at"] is String)
        #expect((json["branches"] as? [Any])?.count == 3)
        let marker = try #require(full["marker"] as? [String: Any])
        #expect((marker["bronze_batch"] as? NSNumber)?.intValue == 3)
    }

    @Test func incrementalEqualsFull() throws {
        let object = try Self.outcome.get()
        let incremental = try #require(object["incremental"] as? [String: Any])
        let full = try #require(object["full"] as? [String: Any])
        #expect(try Self.metrics("incremental") == Self.metrics("full"))
        #expect("\(incremental["orders"] ?? "")" == "\(full["orders"] ?? "")")
        #expect(incremental["silver_rows"] as? Int == full["silver_rows"] as? Int)
    }

    /// The warm driver's way: silver kept in memory between runs gives the same gold.
    @Test func warmIncrementalEqualsFull() throws {
        let object = try Self.outcome.get()
        let warm = try #require(object["warm"] as? [String: Any])
        let full = try #require(object["full"] as? [String: Any])
        #expect(try Self.metrics("warm") == Self.metrics("full"))
        #expect("\(warm["orders"] ?? "")" == "\(full["orders"] ?? "")")
        #expect(warm["silver_rows"] as? Int == full["silver_rows"] as? Int)
        #expect(warm["silver_rows"] as? Int == warm["silver_keys"] as? Int)
        let noop = try #require(object["warm_noop"] as? [String: Any])
        #expect((noop["batches"] as? NSNumber)?.intValue == 0)
        #expect(noop["gold_skipped"] as? Bool == true)
    }

    @Test func rerunsDoNotDuplicate() throws {
        let object = try Self.outcome.get()
        let noop = try #require(object["noop"] as? [String: Any])
        #expect((noop["batches"] as? NSNumber)?.intValue == 0)
        #expect(noop["gold_skipped"] as? Bool == true)
        let rerun = try #require(object["rerun"] as? [String: Any])
        #expect(try Self.metrics("rerun") == Self.metrics("full"))
        #expect(rerun["silver_rows"] as? Int == rerun["silver_keys"] as? Int)
    }
}
