import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The `submit` runner: one cold `spark-submit --master local[*] driver.py once` per run.
final class SubmitRunner: StageJobRunner, Sendable {
    private struct Current: Sendable {
        var process: SparkProcess?
        var stopped = false
        var state = "idle"
    }

    private let configuration: StageConfiguration
    private let logger: Logger
    private let current = Mutex(Current())

    init(configuration: StageConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    var driverState: String { current.withLock { $0.state } }

    func prepare() {}

    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport {
        try configuration.checkJobs()
        let started = ContinuousClock.now
        // A fresh name the driver creates exclusively (see driver.py), removed after the run.
        let resultPath = "\(configuration.logDirectory)/.medallion-stages-submit-\(UUID().uuidString).json"
        defer { unlink(resultPath) }
        var arguments = ["--master", "local[*]", "--name", "medallion-stages", configuration.driverScript,
                         "once", configuration.lakeURI, "--result-file", resultPath]
        if full { arguments.append("--full") }
        // Class data sharing: the first run dumps the classes its JVM loaded (to a temporary
        // name, published only if the run succeeds); later runs map them instead of loading
        // and verifying them again, about 4 s of a 13 s cold run on this machine. A JVM
        // that finds the archive unusable (another JDK or Spark) warns and runs without it.
        // The JVM maps whatever file is there, so only one of this user's that nobody else
        // may write is used; anything else at that name is left alone and not replaced.
        var jvmOptions: [String] = []
        var dump: (temporary: String, archive: String)?
        if let archive = configuration.classArchive {
            if StateFile.isTrusted(archive) {
                jvmOptions.append("-XX:SharedArchiveFile=\(archive)")
            } else if StateFile.exists(archive) {
                logger.warning("not using the Spark class archive: it is not a file of this user's that only this user may write",
                               metadata: ["archive": "\(archive)"])
            } else {
                dump = ("\(archive).tmp-\(UUID().uuidString)", archive)
                jvmOptions.append("-XX:ArchiveClassesAtExit=\(dump!.temporary)")
            }
        }
        defer { if let dump { unlink(dump.temporary) } }
        let process = try current.withLock { (current) throws(StageError) -> SparkProcess in
            guard !current.stopped else { throw .shuttingDown }
            let process = try SparkProcess(configuration.sparkSubmit, arguments,
                                           environment: Self.environment(configuration, jvmOptions: jvmOptions),
                                           configuration: configuration)
            current.process = process
            current.state = "running (pid \(process.pid))"
            return process
        }
        let status = process.wait(until: started + configuration.timeout)
        let result = (try? StateFile.read(resultPath)).map { String(decoding: $0, as: UTF8.self) }
        guard let status else {
            process.terminate()
            current.withLock { $0.state = "killed after hanging" }
            throw StageError(.timeout, message: "spark-submit (pid \(process.pid)) did not finish within \(configuration.timeout) and was killed; see \(configuration.logPath).",
                             detail: logTail(configuration.logPath))
        }
        current.withLock { $0.state = "exited (status \(status))" }
        guard let result else {
            throw StageError(.driverDied, message: "spark-submit (pid \(process.pid)) exited with status \(status) without a result; see \(configuration.logPath).",
                             detail: logTail(configuration.logPath))
        }
        var report = try StageRunReport(resultJSON: result, logPath: configuration.logPath)
        // Only a run that used Spark loaded the classes later runs need.
        if let dump, report.sparkStarted, chmod(dump.temporary, 0o600) == 0, StateFile.isTrusted(dump.temporary),
           rename(dump.temporary, dump.archive) == 0 {
            logger.info("saved the Spark driver's class archive; later cold runs start faster", metadata: ["archive": "\(dump.archive)"])
        }
        // The cold start is all the process time the jobs themselves did not use.
        report.sparkStartMilliseconds = max(0, (ContinuousClock.now - started).milliseconds - report.jobMilliseconds)
        return report
    }

    /// The Spark environment, with the driver JVM told to stop at the quick first JIT
    /// tier: a cold run is short, and the optimising compiler's warm-up costs it more
    /// CPU (about a quarter of the run on two cores) than it gains back.
    /// `SPARK_SUBMIT_OPTS` reaches only the driver JVM and keeps the user's own options.
    static func environment(_ configuration: StageConfiguration, jvmOptions: [String] = []) -> [String: String] {
        var environment = configuration.sparkEnvironment
        let inherited = environment["SPARK_SUBMIT_OPTS"] ?? configuration.inheritedEnvironment["SPARK_SUBMIT_OPTS"]
        environment["SPARK_SUBMIT_OPTS"] = (["-XX:TieredStopAtLevel=1"] + jvmOptions + [inherited].compactMap { $0 })
            .joined(separator: " ")
        return environment
    }

    func shutdown() {
        let process = current.withLock { current in
            current.stopped = true
            return current.process
        }
        process?.terminate()
    }
}
