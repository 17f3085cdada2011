import Foundation
import LakeContract
import Testing
import TestSupport

/// The Swift side of the lake's names (`LakePaths`) and the Spark jobs' side
/// (`spark-jobs/contract.py`) say the same: a path renamed on one side only fails here.
@Suite struct LakeContractTests {
    @Test func theSparkJobsUseTheSameNames() throws {
        let result = try PythonTool.runScript(Repository.root + "/spark-jobs/contract.py")
        let python = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let swift: [String: Any] = [
            "bronzeBookmark": LakePaths.bronzeBookmark, "bronzeCommits": LakePaths.bronzeCommits,
            "silverBookmark": LakePaths.silverBookmark, "silverChanges": LakePaths.silverChanges,
            "goldMarker": LakePaths.goldMarker, "goldBranchMetrics": LakePaths.goldBranchMetrics,
            "goldBranchDaily": LakePaths.goldBranchDaily, "goldBranchMetricsCSV": LakePaths.goldBranchMetricsCSV,
            "stageResults": LakePaths.stageResults, "stageResult(run-1)": LakePaths.stageResult("run-1"),
            "isResultName(run-1)": LakePaths.isStageResultName("run-1") ? 1 : 0,
            "isResultName(../x)": LakePaths.isStageResultName("../x") ? 1 : 0,
            "commitRecord(7)": LakePaths.commitRecord(7), "bronzeFileName(12, 3)": LakePaths.bronzeFileName(batch: 12, index: 3),
            "batchOfFile(part-00000000000000000012-0003.parquet)": LakePaths.batch(ofFile: "part-00000000000000000012-0003.parquet") as Any,
            "batchOfFile(part-x.parquet)": LakePaths.batch(ofFile: "part-x.parquet") as Any,
        ]
        #expect(Set(python.keys) == Set(swift.keys))
        for (key, value) in swift {
            #expect("\(value)".replacingOccurrences(of: "Optional(", with: "").replacingOccurrences(of: ")", with: "")
                    == "\(python[key] is NSNull ? "nil" : python[key] ?? "missing")", "\(key)")
        }
    }

    @Test func bronzeFileNamesRoundTrip() {
        let name = LakePaths.bronzeFileName(batch: 12_345, index: 7)
        #expect(name == "part-00000000000000012345-0007.parquet")
        #expect(LakePaths.batch(ofFile: name) == 12_345)
        #expect(LakePaths.batch(ofFile: ".part-00000000000000012345-0007.parquet.tmp") == nil)
    }

    @Test func goldMarkerNeedsItsTwoFields() throws {
        let marker = try #require(GoldMarker(json: Array(#"{"produced_at": "2026-11-26T14:00:00.123Z", "bronze_batch": 9, "gold_ms": 40}"#.utf8)))
        #expect(marker.bronzeBatch == 9 && marker.goldMilliseconds == 40)
        #expect(marker.producedAt == LakeTimestamp.parse("2026-11-26T14:00:00.123Z"))
        #expect(GoldMarker(json: Array(#"{"bronze_batch": 9}"#.utf8)) == nil)
        #expect(GoldMarker(json: Array(#"{"produced_at": "yesterday", "bronze_batch": 9}"#.utf8)) == nil)
    }
}
