import Foundation
import LakeContract
import Lake
import Testing
import TestSupport
@testable import Stages

/// What `medallion status` shows of the stage runner, from the status file and gold's marker.
@Suite struct StageOverviewTests {
    @Test(arguments: [
        // recorded, last run failed, daemon running → shown
        ("idle", false, true, "idle"),
        ("running", false, true, "running"),
        ("retrying", true, true, "retrying"),
        ("stopped", false, true, "off"),
        ("stopped", true, false, "failed"),
        ("running", false, false, "off"),
        ("retrying", true, false, "failed"),
    ])
    func stateShown(recorded: String, failed: Bool, running: Bool, shown: String) {
        #expect(StageOverview.state(recorded: recorded, lastRunFailed: failed, daemonRunning: running) == shown)
    }

    @Test func nothingRecordedIsOffWithoutGold() throws {
        let directory = try Repository.temporaryDirectory("medallion-overview")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let overview = StageOverview.read(logDirectory: directory, lake: MemoryLake(), configuredRunner: .submit, daemonRunning: true)
        #expect(overview.state == "off")
        #expect(overview.runner == "submit")
        #expect(overview.lastRunOutcome == nil)
        #expect(overview.goldBronzeBatch == nil)
        #expect(overview.goldError == nil)
    }

    @Test func recordedStatusAndGoldMarker() throws {
        let directory = try Repository.temporaryDirectory("medallion-overview")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var status = StageStatus(runner: "local", log: directory + "/medallion-stages-local.log")
        status.runs = 3
        status.failures = 1
        status.lastRunOutcome = "succeeded"
        status.lastRunAt = "2026-11-26T14:00:10Z"
        status.lastRunDurationSeconds = 4.5
        status.lastError = "The Spark driver exited with status 137."
        try status.write(toDirectory: directory)
        let lake = MemoryLake()
        try lake.writeAtomically(GoldMarker.path, data: Array("""
            {"produced_at": "2026-11-26T14:00:09.500Z", "bronze_batch": 42, "orders": 7, "branches": 2, "gold_ms": 812}
            """.utf8))
        let now = try #require(LakeTimestamp.parse("2026-11-26T14:01:09.500Z"))

        let overview = StageOverview.read(logDirectory: directory, lake: lake, configuredRunner: .off, daemonRunning: true, now: now)
        #expect(overview.runner == "local")
        #expect(overview.state == "idle")
        #expect(overview.runs == 3)
        #expect(overview.failures == 1)
        #expect(overview.lastRunOutcome == "succeeded")
        #expect(overview.lastRunDurationSeconds == 4.5)
        #expect(overview.lastError == "The Spark driver exited with status 137.")
        #expect(overview.goldBronzeBatch == 42)
        #expect(overview.goldAgeSeconds == 60)
        #expect(overview.goldProducedAt == "2026-11-26T14:00:09.500Z")
    }

    @Test func unreadableFilesAreReportedNotThrown() throws {
        let directory = try Repository.temporaryDirectory("medallion-overview")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("not json".utf8).write(to: URL(fileURLWithPath: directory + "/" + StageStatus.fileName))
        let lake = MemoryLake()
        try lake.writeAtomically(GoldMarker.path, data: Array(#"{"bronze_batch": 1}"#.utf8))
        let overview = StageOverview.read(logDirectory: directory, lake: lake, configuredRunner: .local, daemonRunning: true)
        #expect(overview.state == "off")
        #expect(overview.lastError?.contains("is not a stage status file") == true, "\(overview)")
        #expect(overview.goldError?.contains("produced_at") == true, "\(overview)")
    }
}
