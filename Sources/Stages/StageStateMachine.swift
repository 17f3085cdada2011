/// The coalescing protocol of the stage runner, free of I/O.
///
/// At most one silver→gold run is in flight. Requests that arrive while a run is in
/// flight collapse into exactly one follow-up run; a failed run is retried after a
/// backoff that doubles up to a limit, and requests arriving meanwhile are covered by
/// that retry.
struct StageStateMachine: Sendable {
    enum State: Equatable, Sendable {
        /// Nothing to do.
        case idle
        /// A run is in flight; `followUp` when a request arrived after it started.
        case running(followUp: Bool, failures: Int)
        /// The last run failed; a retry is due after the backoff.
        case waitingToRetry(failures: Int)
        /// Shut down: no further runs.
        case stopped
    }

    enum Action: Equatable, Sendable {
        /// Nothing to do.
        case none
        /// Start one silver→gold run.
        case startRun
        /// Wait `after`, then report `retryTimerFired()`.
        case scheduleRetry(after: Duration)
        /// End the run in flight (shutdown).
        case cancelRun
        /// Drop the pending retry (shutdown).
        case cancelRetry
    }

    private(set) var state: State = .idle
    let initialBackoff: Duration
    let maxBackoff: Duration

    init(initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// A batch was committed (or a refresh was asked for by hand).
    mutating func refreshRequested() -> Action {
        switch state {
        case .idle:
            state = .running(followUp: false, failures: 0)
            return .startRun
        case .running(_, let failures):
            state = .running(followUp: true, failures: failures)
            return .none
        case .waitingToRetry, .stopped:
            return .none
        }
    }

    /// The run in flight finished and gold is published.
    mutating func runSucceeded() -> Action {
        guard case .running(let followUp, _) = state else { return .none }
        if followUp {
            state = .running(followUp: false, failures: 0)
            return .startRun
        }
        state = .idle
        return .none
    }

    /// The run in flight failed (or hung and was killed).
    mutating func runFailed() -> Action {
        guard case .running(_, let failures) = state else { return .none }
        state = .waitingToRetry(failures: failures + 1)
        return .scheduleRetry(after: backoff(afterFailures: failures + 1))
    }

    /// The backoff after a failure has elapsed.
    mutating func retryTimerFired() -> Action {
        guard case .waitingToRetry(let failures) = state else { return .none }
        state = .running(followUp: false, failures: failures)
        return .startRun
    }

    /// Shutdown: no run starts any more.
    mutating func stop() -> Action {
        let previous = state
        state = .stopped
        switch previous {
        case .running: return .cancelRun
        case .waitingToRetry: return .cancelRetry
        case .idle, .stopped: return .none
        }
    }

    /// `initialBackoff` doubled per consecutive failure, at most `maxBackoff`.
    func backoff(afterFailures failures: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(failures, 1) where delay < maxBackoff { delay *= 2 }
        return min(delay, maxBackoff)
    }
}
