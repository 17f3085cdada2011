import Foundation
import Logging
import Synchronization

/// The `local` runner: one long-lived `spark-submit --master local[*] driver.py serve`
/// whose SparkSession stays warm between runs. Requests go over a loopback socket; a
/// driver that dies or hangs is killed and started again on the next run.
final class WarmDriverRunner: StageJobRunner, Sendable {
    private struct Driver: Sendable {
        var process: SparkProcess?
        /// Set once the driver connected.
        var channel: DriverChannel?
        var lifecycle = DriverLifecycle()
    }

    private let configuration: StageConfiguration
    private let logger: Logger
    private let driver = Mutex(Driver())

    init(configuration: StageConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    var driverState: String {
        driver.withLock { $0.lifecycle.description }
    }

    /// The pid of the running driver (`spark-submit`'s JVM), if any.
    var driverPID: Int32? {
        driver.withLock { $0.process?.status == nil ? $0.process?.pid : nil }
    }

    /// The token the running driver presented (for tests that look for it where it must not be).
    var driverToken: String? {
        driver.withLock { $0.channel?.token }
    }

    func prepare() {
        do {
            _ = try ensureDriver(until: .now + configuration.driverStartTimeout)
        } catch {
            if driver.withLock({ $0.lifecycle.isStopped }) {
                logger.info("spark driver start abandoned: the stage runner is stopping")
                return
            }
            logger.error("spark driver did not start; the next run tries again", metadata: [
                "reason": "\(error)", "log": "\(configuration.logPath)",
            ])
        }
    }

    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport {
        // A driver that has to start first gets the whole start timeout, and the run the
        // whole run timeout after it: on a busy machine the start alone can take minutes.
        let (process, channel, startMilliseconds) = try ensureDriver(until: .now + configuration.driverStartTimeout)
        let deadline = ContinuousClock.now + configuration.timeout
        let alive = { process.status == nil }
        guard channel.send(full ? "REFRESH \(id) full" : "REFRESH \(id)") else {
            throw failure(process, waiting: "to take the request", deadline: deadline)
        }
        while true {
            guard let line = channel.readLine(until: deadline, alive: alive) else {
                throw failure(process, waiting: "for its result", deadline: deadline)
            }
            guard line.hasPrefix("RESULT ") else { continue }
            var report = try StageRunReport(resultJSON: String(line.dropFirst(7)), logPath: configuration.logPath)
            report.sparkStartMilliseconds = startMilliseconds
            return report
        }
    }

    func shutdown() {
        let process = driver.withLock { driver in
            driver.lifecycle.shutdown()
            return driver.process
        }
        process?.terminate()
    }

    /// The running driver, started first if there is none; also returns how long the
    /// start took (0 when it was already warm).
    private func ensureDriver(until deadline: ContinuousClock.Instant) throws(StageError) -> (SparkProcess, DriverChannel, Int) {
        let (current, connected) = driver.withLock { ($0.process, $0.channel) }
        if let current, let connected, current.status == nil { return (current, connected, 0) }
        try configuration.checkJobs()
        if let old = current {
            logger.warning("spark driver is gone; starting a new one", metadata: [
                "pid": "\(old.pid)", "status": "\(old.status.map(String.init) ?? "running")",
            ])
            old.terminate()
        }
        let started = ContinuousClock.now
        try configuration.prepareLogDirectory()
        let channel = try DriverChannel(directory: configuration.logDirectory)
        let arguments = ["--master", "local[*]", "--name", "medallion-stages", configuration.driverScript,
                         "serve", configuration.lakeURI, "--port", String(channel.port), "--token-pipe", channel.tokenPipe]
        let process = try driver.withLock { (driver) throws(StageError) -> SparkProcess in
            guard driver.lifecycle.mayStart else { throw .shuttingDown }
            let process = try SparkProcess(configuration.sparkSubmit, arguments, environment: configuration.sparkEnvironment,
                                           configuration: configuration)
            driver.process = process
            driver.channel = nil
            _ = driver.lifecycle.starting(pid: process.pid)
            return process
        }
        logger.info("spark driver starting", metadata: ["pid": "\(process.pid)", "log": "\(configuration.logPath)"])
        guard channel.accept(until: deadline, alive: { process.status == nil }) else {
            let status = process.status
            process.terminate()
            switch driver.withLock({ $0.lifecycle.startFailed(exitStatus: status) }) {
            case .stopping:
                throw .shuttingDown
            case .timedOut:
                throw StageError(.timeout, message: "The Spark driver did not start within \(configuration.driverStartTimeout); see \(configuration.logPath).",
                                 detail: logTail(configuration.logPath))
            case .exited(let status):
                throw StageError(.driverStart, message: "The Spark driver exited with status \(status) while starting; see \(configuration.logPath).",
                                 detail: logTail(configuration.logPath))
            }
        }
        let milliseconds = (ContinuousClock.now - started).milliseconds
        let usable = driver.withLock { driver in
            guard driver.lifecycle.ready(pid: process.pid) else { return false }
            driver.channel = channel
            return true
        }
        guard usable else {
            process.terminate()
            throw .shuttingDown
        }
        logger.info("spark driver ready", metadata: [
            "pid": "\(process.pid)", "start_ms": "\(milliseconds)", "log": "\(configuration.logPath)",
        ])
        return (process, channel, milliseconds)
    }

    /// Why a run got no answer: the driver died, closed its connection (its Python side
    /// died while the JVM lives on), or hung past the timeout. It is killed either way and
    /// the next run starts a fresh driver.
    private func failure(_ process: SparkProcess, waiting what: String, deadline: ContinuousClock.Instant) -> StageError {
        let timedOut = ContinuousClock.now >= deadline
        let status = process.status ?? process.wait(until: .now + .milliseconds(500))
        process.terminate()
        let ending = driver.withLock { $0.lifecycle.runFailed(exitStatus: status, timedOut: timedOut) }
        let detail = logTail(configuration.logPath)
        switch ending {
        case .exited(let status):
            return StageError(.driverDied, message: "The Spark driver (pid \(process.pid)) exited with status \(status) while waiting \(what); it is restarted for the next run. See \(configuration.logPath).",
                              detail: detail)
        case .disconnected:
            return StageError(.driverDied, message: "The Spark driver (pid \(process.pid)) closed its connection while waiting \(what) and was killed; it is restarted for the next run. See \(configuration.logPath).",
                              detail: detail)
        case .hung:
            return StageError(.timeout, message: "The Spark driver (pid \(process.pid)) did not answer within \(configuration.timeout) and was killed; see \(configuration.logPath).",
                              detail: detail)
        }
    }
}
