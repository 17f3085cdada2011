import Foundation
import Lake
import Logging
import Testing
import TestSupport
@testable import Stages

/// The `local` runner for real: a warm `spark-submit --master local[*]` driver that
/// survives job failures, and is restarted after it is killed in the middle of a run.
@Suite struct LocalRunnerTests {
    @Test func warmDriverRunsReportsFailuresAndComesBackAfterBeingKilled() throws {
        let work = try Repository.temporaryDirectory("medallion-local")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lake = work + "/lake"
        try BronzeFixture.retail.write(to: lake)
        var configuration = try testStageConfiguration(lake: lake, runner: .local, logDirectory: work)
        // Secrets in the daemon's environment, which no Spark process may see.
        let secrets = ["pg-\(UUID())", "dsn-\(UUID())", "hdfs-\(UUID())"]
        configuration.inheritedEnvironment["PGPASSWORD"] = secrets[0]
        configuration.inheritedEnvironment["MEDALLION_DSN"] = "host=db password=\(secrets[1])"
        configuration.inheritedEnvironment["MEDALLION_HDFS_TOKEN"] = secrets[2]
        var logger = Logger(label: "test.stages")
        logger.logLevel = .warning
        let runner = WarmDriverRunner(configuration: configuration, logger: logger)
        let recorder = RunRecorder()
        let service = StageService(configuration: configuration, runner: runner, logger: logger, onRun: recorder.callback)
        service.start()
        defer { service.stop() }

        // 1. A run over the fixture: gold as computed by hand.
        service.requestRefresh()
        let first = try recorder.await(1).get()
        #expect(first.bronzeBatch == 3)
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailExpected)
        let warmPID = try #require(runner.driverPID)
        // No process of the driver (the JVM, the Python driver, its workers) shows a secret
        // or the channel's token in its command line or environment.
        let token = try #require(runner.driverToken)
        let driver = LocalProcesses.descendants(of: getpid())
        #expect(driver.contains(warmPID) && driver.count >= 2, "\(driver)")
        for pid in driver {
            let shown = LocalProcesses.commandLine(pid) + LocalProcesses.environment(pid)
            for secret in secrets + [token] {
                #expect(!shown.contains(secret), "pid \(pid) shows a secret: \(LocalProcesses.commandLine(pid))")
            }
        }

        // 2. A job failure (an unreadable bronze bookmark) is reported; the driver stays warm.
        let bookmark = lake + "/bronze/bookmark"
        let good = try Data(contentsOf: URL(fileURLWithPath: bookmark))
        try Data("not json".utf8).write(to: URL(fileURLWithPath: bookmark))
        service.requestRefresh()
        guard case .failure(let error) = try recorder.await(2) else {
            Issue.record("a run over a broken bookmark succeeded")
            return
        }
        #expect(error.code == .jobFailed)
        #expect(service.status.lastError?.contains("JSONDecodeError") == true, "\(service.status)")
        #expect(runner.driverPID == warmPID)
        try good.write(to: URL(fileURLWithPath: bookmark))
        let (retried, _) = try recorder.awaitSuccess(after: 2)
        #expect(runner.driverPID == warmPID)

        // 3. The driver killed while a run is in flight: the run fails, the retry starts
        //    a new driver and succeeds. Batch 6 deletes a record silver never held (gold
        //    does not change): a run with a delete takes the Spark path, seconds long, where
        //    the light path (light.py) could finish before the kill lands.
        var next = BronzeFixture.retailNextBatch
        next.batch(6) { b in b.history(999, order: 999, "NEW", at: "2026-01-04T11:00:00Z", op: "D") }
        try next.write(to: lake)
        let log = work + "/medallion-stages-local.log"
        let startedBefore = try Self.runsStarted(log)
        service.requestRefresh()
        try Poll.until("the driver to start the run", interval: 0.02) { try Self.runsStarted(log) > startedBefore }
        kill(-warmPID, SIGKILL)
        let (recovered, report) = try recorder.awaitSuccess(after: retried)
        guard case .failure(let died) = try recorder.await(retried + 1) else {
            Issue.record("the run whose driver was killed did not fail")
            return
        }
        #expect(died.code == .driverDied || died.code == .jobFailed, "\(died)")
        #expect(recovered > retried + 1)
        #expect(report.sparkStartMilliseconds > 0)
        #expect(report.bronzeBatch == 6)
        #expect(runner.driverPID != warmPID)
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailAfterNextBatch)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("SparkContext"))
        #expect(FileManager.default.fileExists(atPath: work + "/medallion-stages-status.json"))
    }

    /// How many runs the warm driver has logged as started.
    static func runsStarted(_ log: String) throws -> Int {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "medallion-driver: refresh ").count - 1
    }
}
