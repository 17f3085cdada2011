import Foundation
import LakeContract
import Lake
import Logging

/// The `standalone` runner: one submission per run to a Spark standalone master through
/// its REST API (`mainClass org.apache.spark.deploy.PythonRunner`), polled until it
/// ends. The driver runs on a worker, so its output stays in the worker's
/// `work/<driver-id>/` directory; this runner's log records each submission and its end.
final class StandaloneRunner: StageJobRunner, @unchecked Sendable {
    private let configuration: StageConfiguration
    private let logger: Logger
    private let client: SparkRestClient
    private let lock = NSLock()
    private var submission: String?
    private var stopped = false
    private var state = "idle"

    init(configuration: StageConfiguration, logger: Logger) throws(StageError) {
        guard let master = configuration.sparkMaster else {
            throw StageError(.invalidConfiguration,
                             message: "The standalone runner needs the Spark master's REST endpoint; set --spark-master or MEDALLION_SPARK_MASTER to spark://host:6066.")
        }
        self.configuration = configuration
        self.logger = logger
        client = try SparkRestClient(master: master)
    }

    var driverState: String { lock.withLock { state } }

    func prepare() {}

    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport {
        try configuration.checkJobs()
        let started = ContinuousClock.now
        let deadline = started + configuration.timeout
        let submissionID = try lock.withLockTyped { () throws(StageError) -> String in
            guard !stopped else { throw .shuttingDown }
            let submissionID = try client.create(request(full: full))
            submission = submissionID
            state = "submitted \(submissionID)"
            return submissionID
        }
        record("submitted \(submissionID) to \(client.endpoint)")
        var status = SparkRestClient.Status(driverState: "SUBMITTED")
        while !["FINISHED", "FAILED", "KILLED", "ERROR"].contains(status.driverState) {
            guard ContinuousClock.now < deadline, !lock.withLock({ stopped }) else {
                client.kill(submissionID)
                record("killed \(submissionID) after \(configuration.timeout) (state \(status.driverState))")
                lock.withLock { state = "killed \(submissionID)" }
                throw StageError(.timeout, message: "Spark submission \(submissionID) did not finish within \(configuration.timeout) and was killed (state \(status.driverState)).")
            }
            Thread.sleep(forTimeInterval: configuration.statusPollInterval.seconds)
            status = try client.status(submissionID)
        }
        let worker = status.worker ?? "unknown worker"
        record("\(submissionID) \(status.driverState) on \(worker) (driver output in the worker's work/\(submissionID)/)\(status.message.map { ": \($0)" } ?? "")")
        lock.withLock { state = "\(status.driverState.lowercased()) \(submissionID)" }
        guard status.driverState == "FINISHED" else {
            throw StageError(.jobFailed, message: "Spark submission \(submissionID) ended \(status.driverState) on \(worker); its output is in that worker's work/\(submissionID)/ directory.",
                             detail: status.message)
        }
        var report = try markerReport()
        let total = (ContinuousClock.now - started).milliseconds
        report.sparkStartMilliseconds = max(0, total - report.jobMilliseconds)
        return report
    }

    func shutdown() {
        let current = lock.withLock {
            stopped = true
            return submission
        }
        if let current { client.kill(current) }
    }

    /// The CreateSubmissionRequest: PythonRunner's arguments are the script, the
    /// py-files list (none: the driver imports its siblings), then the job's own.
    private func request(full: Bool) -> [String: Any] {
        var arguments = [configuration.driverScript, "", "once", configuration.lakeURI]
        if full { arguments.append("--full") }
        var environment = configuration.environment
        if let python = configuration.python {
            environment["PYSPARK_PYTHON"] = python
            environment["PYSPARK_DRIVER_PYTHON"] = python
        }
        return [
            "action": "CreateSubmissionRequest",
            "appResource": "file:" + configuration.driverScript,
            "clientSparkVersion": "4.0.1",
            "mainClass": "org.apache.spark.deploy.PythonRunner",
            "appArgs": arguments,
            "environmentVariables": environment,
            "sparkProperties": [
                "spark.app.name": "medallion-stages",
                "spark.master": configuration.sparkMaster ?? "",
                "spark.submit.deployMode": "cluster",
                "spark.driver.supervise": "false",
            ],
        ]
    }

    /// What gold's marker says after a finished submission (the driver's own result line
    /// stays on the worker).
    private func markerReport() throws(StageError) -> StageRunReport {
        guard let lake = configuration.lake else {
            return StageRunReport(bronzeBatch: 0, batches: 0, silverMilliseconds: 0, goldMilliseconds: 0, jobMilliseconds: 0)
        }
        let marker: GoldMarker?
        do {
            marker = try GoldMarker.read(from: lake)
        } catch {
            throw StageError(.jobFailed, message: "The Spark submission finished but \(GoldMarker.path) in \(lake.description) is unreadable: \(error)")
        }
        guard let marker else {
            throw StageError(.jobFailed, message: "The Spark submission finished but \(GoldMarker.path) in \(lake.description) is missing.")
        }
        let batch = marker.bronzeBatch
        let gold = marker.goldMilliseconds ?? 0
        return StageRunReport(bronzeBatch: batch, batches: 0, silverMilliseconds: 0, goldMilliseconds: gold, jobMilliseconds: gold)
    }

    /// Appends one line to this runner's log.
    private func record(_ line: String) {
        let stamp = Date().formatted(.iso8601)
        do {
            try configuration.prepareLogDirectory()
            let fd = try StateFile.openForAppending(configuration.logPath)
            let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            try handle.write(contentsOf: Data("\(stamp) medallion-stages standalone: \(line)\n".utf8))
        } catch {
            logger.warning("cannot write the stage log", metadata: ["log": "\(configuration.logPath)", "error": "\(error)"])
        }
    }
}
