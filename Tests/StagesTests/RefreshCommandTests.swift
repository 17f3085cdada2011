import Foundation
import Testing
import TestSupport

/// The `submit` runner for real, through `medallion refresh`: one cold spark-submit that
/// publishes gold; a missing Spark makes the command fail with a clear message.
@Suite struct RefreshCommandTests {
    @Test func refreshWithSubmitPublishesGoldAndFailsLoudlyWithoutSpark() throws {
        let work = try Repository.temporaryDirectory("medallion-refresh")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lake = work + "/lake"
        try BronzeFixture.retail.write(to: lake)
        let environment = [
            "MEDALLION_LAKE": "file://" + lake,
            "MEDALLION_STAGE_LOG_DIR": work,
            "MEDALLION_SPARK_SUBMIT": Repository.root + "/.venv/bin/spark-submit",
            "MEDALLION_SPARK_JOBS": Repository.root + "/spark-jobs",
            "PYSPARK_PYTHON": try PythonTool.python(),
            "SPARK_LOCAL_IP": "127.0.0.1",
        ]
        let medallion = try Repository.medallionExecutable()

        let result = try Command.run(medallion, ["refresh", "--stages", "submit"], environment: environment, check: false)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("gold covers bronze batch 3"), "\(result.output)")
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailExpected)
        #expect(FileManager.default.fileExists(atPath: work + "/medallion-stages-submit.log"))

        var broken = environment
        broken["MEDALLION_SPARK_SUBMIT"] = work + "/no-spark/spark-submit"
        let failed = try Command.run(medallion, ["refresh", "--stages", "submit"], environment: broken, check: false)
        #expect(failed.status != 0)
        #expect(failed.error.contains("no-spark/spark-submit is not an executable file"), "\(failed.error)")

        let off = try Command.run(medallion, ["refresh", "--stages", "off"], environment: environment, check: false)
        #expect(off.status != 0)
    }
}
