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
        let environment = try PythonTool.stageEnvironment().merging([
            "MEDALLION_LAKE": "file://" + lake,
            "MEDALLION_STAGE_LOG_DIR": work,
        ]) { $1 }
        let medallion = try Repository.medallionExecutable()

        let result = try Command.run(medallion, ["refresh", "--stages", "submit"], environment: environment, check: false)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("gold covers bronze batch 3"), "\(result.output)")
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailExpected)
        #expect(FileManager.default.fileExists(atPath: work + "/medallion-stages-submit.log"))
        // The first cold run left its class archive (and no temporary); the next one maps it.
        let archive = work + "/medallion-spark-classes.jsa"
        let archiveSize = (try? FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int) ?? 0
        #expect(archiveSize > 0, "no class archive at \(archive)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).allSatisfy { !$0.contains(".jsa.tmp-") })
        let logPath = work + "/medallion-stages-submit.log"
        let before = try String(contentsOfFile: logPath, encoding: .utf8).utf8.count
        let again = try Command.run(medallion, ["refresh", "--stages", "submit", "--full"], environment: environment, check: false)
        #expect(again.status == 0, "\(again.error)")
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailExpected)
        let secondRun = String(decoding: Array(try String(contentsOfFile: logPath, encoding: .utf8).utf8.dropFirst(before)), as: UTF8.self)
        #expect(!secondRun.contains("[cds]"), "the JVM could not use the archive: \(secondRun.prefix(2000))")

        var broken = environment
        broken["MEDALLION_SPARK_SUBMIT"] = work + "/no-spark/spark-submit"
        let failed = try Command.run(medallion, ["refresh", "--stages", "submit"], environment: broken, check: false)
        #expect(failed.status != 0)
        #expect(failed.error.contains("no-spark/spark-submit is not an executable file"), "\(failed.error)")

        let off = try Command.run(medallion, ["refresh", "--stages", "off"], environment: environment, check: false)
        #expect(off.status != 0)
    }

    @Test func aColdRunWithoutSparkKeepsNoClassArchive() throws {
        let work = try Repository.temporaryDirectory("medallion-refresh-light")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lake = work + "/lake"
        let environment = try PythonTool.stageEnvironment().merging([
            "MEDALLION_LAKE": "file://" + lake,
            "MEDALLION_STAGE_LOG_DIR": work,
        ]) { $1 }
        let archive = work + "/medallion-spark-classes.jsa"
        func refresh(covering batch: Int) throws {
            let result = try Command.run(try Repository.medallionExecutable(), ["refresh", "--stages", "submit"],
                                         environment: environment, check: false)
            #expect(result.status == 0, "\(result.error)")
            #expect(result.output.contains("gold covers bronze batch \(batch)"), "\(result.output)")
        }
        var fixture = BronzeFixture()
        fixture.batch(1) { b in
            b.order(1, branch: "A", at: "2026-01-01T10:00:00Z")
            b.history(101, order: 1, "NEW", at: "2026-01-01T10:00:00Z")
        }
        try fixture.write(to: lake)
        // The first run builds gold from nothing, on Spark: it keeps the archive.
        try refresh(covering: 1)
        #expect(FileManager.default.fileExists(atPath: archive))
        try FileManager.default.removeItem(atPath: archive)
        // Inserts only, onto silver and gold state: the light path takes the run whole and
        // Spark never starts, so there is nothing worth keeping.
        fixture.batch(2) { b in
            b.order(2, branch: "B", at: "2026-01-01T11:00:00Z")
            b.history(201, order: 2, "NEW", at: "2026-01-01T11:00:00Z")
        }
        try fixture.write(to: lake)
        try refresh(covering: 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.contains(".jsa") }
        #expect(left.isEmpty, "a run that did not start Spark must not leave the class archive later Spark runs map: \(left)")
    }
}
