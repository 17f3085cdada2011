import Foundation
import Lake
import LakeContract
import Logging
import Testing
import TestSupport
@testable import Stages

/// The `standalone` runner for real: a Spark master (REST submission enabled) and a
/// worker started here from the pyspark package, one submission through
/// `POST /v1/submissions/create`, polled until FINISHED; both stopped at the end.
@Suite struct StandaloneRunnerTests {
    @Test func submitsThroughTheMasterRESTAPI() throws {
        let work = try Repository.temporaryDirectory("medallion-standalone")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lake = work + "/lake"
        try BronzeFixture.retail.write(to: lake)
        let bin = Repository.root + "/.venv/bin"
        let sparkClass = bin + "/spark-class"
        guard FileManager.default.isExecutableFile(atPath: sparkClass) else {
            throw HarnessError("spark-class not found at \(sparkClass): run scripts/setup")
        }
        let (port, webUI, rest, workerUI) = try (PostgresCluster.freePort(), PostgresCluster.freePort(),
                                                 PostgresCluster.freePort(), PostgresCluster.freePort())
        let environment = [
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=true -Dspark.master.rest.port=\(rest)",
            "SPARK_LOG_DIR": work + "/spark-logs",
        ]
        let master = try ChildProcess(sparkClass, ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                                                   "--port", "\(port)", "--webui-port", "\(webUI)"], environment: environment)
        defer { stop(master) }
        try master.waitForOutput("I have been elected leader", timeout: 180)
        try master.waitForOutput("REST", timeout: 60)
        let worker = try ChildProcess(sparkClass, ["org.apache.spark.deploy.worker.Worker", "spark://127.0.0.1:\(port)",
                                                   "--host", "127.0.0.1", "--webui-port", "\(workerUI)", "--cores", "2",
                                                   "--memory", "2g", "--work-dir", work + "/worker"], environment: environment)
        defer { stop(worker) }
        try worker.waitForOutput("Successfully registered with master", timeout: 180)

        var configuration = try testStageConfiguration(lake: lake, runner: .standalone, logDirectory: work)
        configuration.sparkMaster = "spark://127.0.0.1:\(rest)"
        configuration.lake = LocalLake(root: lake)
        var logger = Logger(label: "test.stages")
        logger.logLevel = .warning
        let recorder = RunRecorder()
        let service = try StageService(configuration: configuration, logger: logger, onRun: recorder.callback)
        service.start()
        defer { service.stop() }
        service.requestRefresh()
        let report = try recorder.await(1, timeout: 300).get()
        #expect(report.bronzeBatch == 3)
        // The driver's own result, through the lake (gold's marker alone has no silver figures).
        #expect(report.batches == 3 && report.silverMilliseconds > 0, "\(report)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: lake + "/" + LakePaths.stageResults).isEmpty)
        #expect(try BranchMetric.read(lake: lake) ≈ BronzeFixture.retailExpected)
        let log = try String(contentsOfFile: configuration.logPath, encoding: .utf8)
        #expect(log.contains("FINISHED"), "\(log)")
    }

    private func stop(_ process: ChildProcess) {
        process.signal(SIGTERM)
        _ = try? process.waitForExit(timeout: 60)
    }
}
