import Foundation
import LakeContract
import Logging
import Synchronization

/// Runs the silver and gold jobs after committed batches, never making the caller wait.
///
/// `requestRefresh` only records the request and wakes the service's own thread, which
/// drives `StageStateMachine`: one run in flight at most, requests meanwhile collapse
/// into one follow-up run, failed runs are retried with backoff. A broken Spark only
/// shows up in logs and `status`; capture goes on.
///
/// In the daemon it runs as a `Service` (see `StageService+Service.swift`); graceful
/// shutdown ends any run in flight and the thread. Each run holds the lake's silver
/// writer lease (`SilverWriterLease`), so it never writes beside a `medallion refresh`;
/// each start first ends Spark drivers a killed predecessor left (`SparkGroupFile`).
public final class StageService: Sendable {
    private struct Shared: Sendable {
        var machine: StageStateMachine
        /// What the service's thread is to do next.
        var pending: StageStateMachine.Action = .none
        var oldestRequest: ContinuousClock.Instant?
        var current: StageStatus
        var started = false
        var goldMarker: GoldMarker?
    }

    public let configuration: StageConfiguration
    private let logger: Logger
    private let runner: any StageJobRunner
    private let onRun: @Sendable (Result<StageRunReport, StageError>) -> Void
    private let shared: Mutex<Shared>
    /// Signalled when `pending` or the machine's state changed; the thread re-checks both.
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Whether `stop` was called (a run waiting for the silver lease gives up).
    private var stopping: Bool { shared.withLock { $0.machine.state == .stopped } }

    /// - Parameters:
    ///   - configuration: which runner and where things are; `runner` must not be `off`.
    ///   - onRun: called on the service's thread after each run (for tests and benchmarks).
    public convenience init(configuration: StageConfiguration, logger: Logger,
                            onRun: @escaping @Sendable (Result<StageRunReport, StageError>) -> Void = { _ in }) throws(StageError) {
        guard let runner = try configuration.makeRunner(logger: logger) else {
            throw StageError(.invalidConfiguration, message: "The stage runner is off; there is nothing to run.")
        }
        self.init(configuration: configuration, runner: runner, logger: logger, onRun: onRun)
    }

    init(configuration: StageConfiguration, runner: any StageJobRunner, logger: Logger,
         onRun: @escaping @Sendable (Result<StageRunReport, StageError>) -> Void = { _ in }) {
        self.configuration = configuration
        self.runner = runner
        self.logger = logger
        self.onRun = onRun
        shared = Mutex(Shared(machine: StageStateMachine(initialBackoff: configuration.initialBackoff, maxBackoff: configuration.maxBackoff),
                              current: StageStatus(runner: configuration.runner.rawValue, log: configuration.logPath)))
    }

    /// The current status.
    public var status: StageStatus {
        var status = shared.withLock { $0.current }
        status.driver = runner.driverState
        return status
    }

    /// The gold marker as of the last run (or the start), `nil` before gold exists or
    /// when the configuration has no lake to read it from.
    public var gold: GoldMarker? {
        shared.withLock { $0.goldMarker }
    }

    /// Records the gold age (seconds since the marker's `produced_at`) in the metrics;
    /// the metrics endpoint calls this before each scrape, so the age is current.
    public func publishGoldAge(now: Date = Date()) {
        if let marker = gold { StageMetrics.gold(marker, now: now) }
    }

    /// Starts the service's thread (and, for `local`, the warm driver). Calling it again
    /// does nothing.
    public func start() {
        let first = shared.withLock { shared in
            defer { shared.started = true }
            return !shared.started
        }
        guard first else { return }
        StageMetrics.register(runner: configuration.runner)
        let thread = Thread { [self] in
            endLeftoverDrivers()
            refreshGoldMarker()
            // A request made before the start is already a run in flight while the warm driver starts.
            shared.withLock { $0.current.state = Self.stateName($0.machine.state) }
            writeStatus(status)
            runner.prepare()
            work()
            finished.signal()
        }
        thread.name = "medallion-stages"
        thread.start()
    }

    /// Asks for a silver→gold run. Returns at once; safe from any thread (the capture
    /// daemon calls it after each committed batch).
    public func requestRefresh() {
        let wake = shared.withLock { shared in
            if shared.oldestRequest == nil { shared.oldestRequest = .now }
            let action = shared.machine.refreshRequested()
            if action != .none { shared.pending = action }
            return action != .none
        }
        if wake { wakeUp.signal() }
    }

    /// Ends any run in flight (its driver is killed) and the service's thread, and
    /// records the `stopped` state. Blocks until the thread has ended.
    public func stop() {
        let wasStarted = shared.withLock { shared in
            _ = shared.machine.stop()
            shared.pending = .none
            shared.current.state = "stopped"
            return shared.started
        }
        wakeUp.signal()
        runner.shutdown()
        guard wasStarted else { return }
        finished.wait()
        finished.signal()  // a second stop() returns at once
        writeStatus(status)
    }

    /// Runs the stages once on the calling thread (for `medallion refresh`). While
    /// another run writes silver (the daemon's), waits for it up to the stage timeout,
    /// then fails with `.busy`.
    public func runOnce(full: Bool = false) throws(StageError) -> StageRunReport {
        defer { runner.shutdown() }
        endLeftoverDrivers()
        let hold = try configuration.lake.map { (lake) throws(StageError) in
            try SilverWriterLease(lake: lake, role: .refresh, logger: logger).acquire(
                until: .now + configuration.timeout, stopping: { false },
                waiting: { holder in
                    logger.notice("silver and gold are being written by \(holder.holderDescription); waiting up to \(configuration.timeout) for that run to finish")
                })
        }
        defer { hold?.release() }
        return try runner.run(id: 1, full: full)
    }

    private func work() {
        var runID = 0
        while true {
            let taken = shared.withLock { shared -> StageStateMachine.Action? in
                guard shared.pending != .none || shared.machine.state == .stopped else { return nil }
                defer { shared.pending = .none }
                return shared.pending
            }
            guard let action = taken else {
                wakeUp.wait()
                continue
            }
            switch action {
            case .startRun:
                runID += 1
                perform(runID)
            case .scheduleRetry(let delay):
                let deadline = DispatchTime.now() + delay.seconds
                // Requests meanwhile are covered by the retry: only `stop` ends the wait early.
                while !stopping, wakeUp.wait(timeout: deadline) == .success {}
                shared.withLock { shared in
                    if shared.machine.state != .stopped { shared.pending = shared.machine.retryTimerFired() }
                }
            case .none, .cancelRun, .cancelRetry:
                return
            }
        }
    }

    private func perform(_ runID: Int) {
        shared.withLock { $0.current.state = "running" }
        writeStatus(status)
        var started = ContinuousClock.now
        let result: Result<StageRunReport, StageError>
        do {
            let hold = try acquireWriterLease(runID)
            defer { hold?.release() }
            let queueWait = shared.withLock { shared -> Int in
                defer { shared.oldestRequest = nil }
                return shared.oldestRequest.map { (ContinuousClock.now - $0).milliseconds } ?? 0
            }
            logger.info("stages run started", metadata: ["run": "\(runID)", "runner": "\(configuration.runner)"])
            started = ContinuousClock.now
            var report = try runner.run(id: runID, full: false)
            report.queueWaitMilliseconds = queueWait
            result = .success(report)
        } catch {
            result = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        let total = elapsed.milliseconds
        if case .success = result { refreshGoldMarker() }
        let (action, recorded, cancelled) = shared.withLock { shared -> (StageStateMachine.Action, StageStatus, Bool) in
            let now = Date().formatted(.iso8601)
            shared.current.lastRunAt = now
            shared.current.lastRunDurationSeconds = elapsed.seconds
            // A run ended by stop() did not fail: the next start redoes it.
            if case .failure = result, shared.machine.state == .stopped {
                shared.current.lastRunOutcome = "cancelled"
                return (.none, shared.current, true)
            }
            shared.current.runs += 1
            switch result {
            case .success(let report):
                shared.current.consecutiveFailures = 0
                shared.current.bronzeBatch = report.bronzeBatch
                shared.current.lastSuccessAt = now
                shared.current.lastRunOutcome = "succeeded"
                shared.pending = shared.machine.runSucceeded()
            case .failure(let error):
                shared.current.failures += 1
                shared.current.consecutiveFailures += 1
                shared.current.lastError = error.message
                shared.current.lastErrorAt = now
                shared.current.lastRunOutcome = "failed"
                shared.pending = shared.machine.runFailed()
            }
            shared.current.state = Self.stateName(shared.machine.state)
            return (shared.pending, shared.current, false)
        }
        var status = recorded
        status.driver = runner.driverState
        if cancelled {
            logger.info("stages run cancelled by shutdown", metadata: ["run": "\(runID)", "runner": "\(configuration.runner)"])
            writeStatus(status)
            onRun(result)
            return
        }
        StageMetrics.runFinished(runner: configuration.runner, outcome: result, duration: elapsed,
                                 consecutiveFailures: status.consecutiveFailures)
        switch result {
        case .success(let report):
            logger.info("stages run finished", metadata: [
                "run": "\(runID)", "runner": "\(configuration.runner)", "bronze_batch": "\(report.bronzeBatch)",
                "batches": "\(report.batches)", "queue_wait_ms": "\(report.queueWaitMilliseconds)",
                "spark_start_ms": "\(report.sparkStartMilliseconds)", "silver_ms": "\(report.silverMilliseconds)",
                "gold_ms": "\(report.goldMilliseconds)", "job_ms": "\(report.jobMilliseconds)", "total_ms": "\(total)",
                "follow_up": "\(action == .startRun)",
            ])
        case .failure(let error):
            var retry = ""
            if case .scheduleRetry(let delay) = action { retry = "\(delay.milliseconds)" }
            logger.warning("stages run failed", metadata: [
                "run": "\(runID)", "runner": "\(configuration.runner)", "reason": "\(error.message)",
                "driver": "\(status.driver)", "consecutive_failures": "\(status.consecutiveFailures)", "retry_in_ms": "\(retry)",
            ])
            logger.debug("stages run failure detail", metadata: ["detail": "\(error.debugDescription)"])
        }
        writeStatus(status)
        onRun(result)
    }

    /// Ends the Spark drivers a killed predecessor left (see `SparkGroupFile`), before
    /// this runner starts its own; warns when children cannot be tied to our life.
    private func endLeftoverDrivers() {
        if ChildSpawner.shared.setpriv == nil && configuration.runner != .standalone {
            logger.warning("util-linux setpriv is missing: a Spark driver outlives a killed daemon until the next start ends it")
        }
        SparkGroupFile.endLeftovers(in: configuration.logDirectory, logger: logger)
    }

    /// The silver writer lease for one run, waiting (without limit, until `stop`) while
    /// a `medallion refresh` holds it; `nil` without a lake in the configuration.
    private func acquireWriterLease(_ runID: Int) throws(StageError) -> SilverWriterLease.Hold? {
        guard let lake = configuration.lake else { return nil }
        return try SilverWriterLease(lake: lake, role: .daemon, logger: logger).acquire(
            until: nil, stopping: { stopping },
            waiting: { holder in
                logger.notice("stages run waiting: silver and gold are being written by \(holder.holderDescription)",
                              metadata: ["run": "\(runID)", "runner": "\(configuration.runner)"])
            })
    }

    /// The state's name in the status: `idle`, `running`, `retrying` or `stopped`.
    private static func stateName(_ state: StageStateMachine.State) -> String {
        switch state {
        case .idle: "idle"
        case .running: "running"
        case .waitingToRetry: "retrying"
        case .stopped: "stopped"
        }
    }

    /// Writes `medallion-stages-status.json`; a failure only costs `status` its view.
    private func writeStatus(_ status: StageStatus) {
        var status = status
        status.updatedAt = Date().formatted(.iso8601)
        do {
            try configuration.prepareLogDirectory()
            try status.write(toDirectory: configuration.logDirectory)
        } catch {
            logger.debug("cannot write the stage status", metadata: ["directory": "\(configuration.logDirectory)", "error": "\(error)"])
        }
    }

    /// Reads gold's marker from the lake (when the configuration has one) for the gold
    /// age metric; a missing or unreadable marker keeps the last one read.
    private func refreshGoldMarker() {
        guard let lake = configuration.lake else { return }
        do {
            guard let marker = try GoldMarker.read(from: lake) else { return }
            shared.withLock { $0.goldMarker = marker }
            StageMetrics.gold(marker, now: Date())
        } catch {
            logger.debug("cannot read the gold marker", metadata: ["error": "\(error.debugDescription)"])
        }
    }
}
