import Foundation
import LakeContract
import Lake
import Logging
import Synchronization

/// The `standalone` runner: one submission per run to a Spark standalone master through
/// its REST API (`mainClass org.apache.spark.deploy.PythonRunner`), polled until it
/// ends. The driver runs on a worker, so its output stays in the worker's
/// `work/<driver-id>/` directory and its result (the JSON every runner parses) comes
/// through the lake (`LakePaths.stageResult`); this runner's log records each submission
/// and its end.
final class StandaloneRunner: StageJobRunner, Sendable {
    private struct Current: Sendable {
        var submission: String?
        var stopped = false
        var state = "idle"
    }

    private let configuration: StageConfiguration
    private let logger: Logger
    private let client: SparkRestClient
    private let current = Mutex(Current())

    init(configuration: StageConfiguration, logger: Logger) throws(StageError) {
        guard let master = configuration.sparkMaster else {
            throw StageError(.invalidConfiguration,
                             message: "The standalone runner needs the Spark master's REST endpoint; set --spark-master or MEDALLION_SPARK_MASTER to spark://host:6066.")
        }
        guard configuration.lake != nil else {
            throw StageError(.invalidConfiguration, message: "The standalone runner needs the lake (--lake or MEDALLION_LAKE) to read its driver's results.")
        }
        self.configuration = configuration
        self.logger = logger
        client = try SparkRestClient(master: master)
    }

    var driverState: String { current.withLock { $0.state } }

    func prepare() {}

    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport {
        try configuration.checkJobs()
        let started = ContinuousClock.now
        let deadline = started + configuration.timeout
        let resultName = UUID().uuidString.lowercased()
        try removeResults()
        let submissionID = try current.withLock { (current) throws(StageError) -> String in
            guard !current.stopped else { throw .shuttingDown }
            let submissionID = try client.create(request(full: full, resultName: resultName))
            current.submission = submissionID
            current.state = "submitted \(submissionID)"
            return submissionID
        }
        record("submitted \(submissionID) to \(client.endpoint)")
        var status = SparkRestClient.Status(driverState: "SUBMITTED")
        while !["FINISHED", "FAILED", "KILLED", "ERROR"].contains(status.driverState) {
            guard ContinuousClock.now < deadline, !current.withLock({ $0.stopped }) else {
                client.kill(submissionID)
                record("killed \(submissionID) after \(configuration.timeout) (state \(status.driverState))")
                current.withLock { $0.state = "killed \(submissionID)" }
                throw StageError(.timeout, message: "Spark submission \(submissionID) did not finish within \(configuration.timeout) and was killed (state \(status.driverState)).")
            }
            Thread.sleep(forTimeInterval: configuration.statusPollInterval.seconds)
            status = try client.status(submissionID)
        }
        let worker = status.worker ?? "unknown worker"
        record("\(submissionID) \(status.driverState) on \(worker) (driver output in the worker's work/\(submissionID)/)\(status.message.map { ": \($0)" } ?? "")")
        current.withLock { $0.state = "\(status.driverState.lowercased()) \(submissionID)" }
        let output = "that worker's work/\(submissionID)/ directory"
        let result = try readResult(resultName)
        guard status.driverState == "FINISHED", let result else {
            // A failed run's own reason, when its driver got as far as reporting it.
            if let result { _ = try StageRunReport(resultJSON: result, logPath: output) }
            let ending = status.driverState == "FINISHED" ? "finished without a result in \(LakePaths.stageResults)" : "ended \(status.driverState)"
            throw StageError(.jobFailed, message: "Spark submission \(submissionID) \(ending) on \(worker); its output is in \(output).",
                             detail: status.message)
        }
        var report = try StageRunReport(resultJSON: result, logPath: output)
        let total = (ContinuousClock.now - started).milliseconds
        report.sparkStartMilliseconds = max(0, total - report.jobMilliseconds)
        return report
    }

    func shutdown() {
        let submission = current.withLock { current in
            current.stopped = true
            return current.submission
        }
        if let submission { client.kill(submission) }
    }

    /// The CreateSubmissionRequest: PythonRunner's arguments are the script, the
    /// py-files list (none: the driver imports its siblings), then the job's own.
    private func request(full: Bool, resultName: String) -> [String: Any] {
        var arguments = [configuration.driverScript, "", "once", configuration.lakeURI, "--result-name", resultName]
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

    /// The result the submission's driver wrote, removed once read (nil if none).
    private func readResult(_ name: String) throws(StageError) -> String? {
        let path = LakePaths.stageResult(name)
        do {
            guard let lake = configuration.lake, let bytes = try lake.readIfExists(path) else { return nil }
            try? lake.delete(path)
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw StageError(.lake, message: "The Spark submission's result \(path) could not be read from the lake: \(error)")
        }
    }

    /// Results a daemon killed before it read them left behind; only one run writes at a
    /// time (the silver writer lease), so none is in use.
    private func removeResults() throws(StageError) {
        do {
            guard let lake = configuration.lake, try lake.exists(LakePaths.stageResults) else { return }
            for entry in try lake.list(LakePaths.stageResults) where !entry.isDirectory {
                try lake.delete(entry.path)
            }
        } catch {
            throw StageError(.lake, message: "\(LakePaths.stageResults) in the lake could not be cleared: \(error)")
        }
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
