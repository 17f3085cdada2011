/// The warm driver's life as its runner sees it, free of I/O: whether a driver may start,
/// what a failed start means, and the state `status` shows. Once stopped it stays
/// stopped: a start or a run that ends after `shutdown` does not bring it back.
struct DriverLifecycle: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case notStarted
        case starting(pid: Int32)
        case warm(pid: Int32)
        case failedToStart
        /// A run got no answer; the driver is gone or was killed.
        case lost(RunEnding)
        case stopped
    }

    /// What a start that did not complete was.
    enum StartEnding: Sendable, Equatable {
        /// `shutdown` ended it: not a failure of the driver.
        case stopping
        /// The driver exited while starting.
        case exited(Int32)
        /// It did not connect in time.
        case timedOut
    }

    /// How a run that got no answer ended.
    enum RunEnding: Sendable, Equatable {
        /// The driver exited.
        case exited(Int32)
        /// It closed its connection before the deadline while still running (its Python
        /// side died, the JVM lives on); it is killed.
        case disconnected
        /// It did not answer by the deadline; it is killed.
        case hung
    }

    private(set) var state: State = .notStarted

    var isStopped: Bool { state == .stopped }

    /// A driver process `pid` is about to be used; false once stopped (spawn nothing).
    mutating func starting(pid: Int32) -> Bool {
        guard !isStopped else { return false }
        state = .starting(pid: pid)
        return true
    }

    /// Whether a new driver may be spawned now.
    var mayStart: Bool { !isStopped }

    /// The driver connected; false once stopped (the runner must not use it).
    mutating func ready(pid: Int32) -> Bool {
        guard !isStopped else { return false }
        state = .warm(pid: pid)
        return true
    }

    /// The start ended without a connection; `exitStatus` is the driver's, if it exited.
    mutating func startFailed(exitStatus: Int32?) -> StartEnding {
        guard !isStopped else { return .stopping }
        state = .failedToStart
        return exitStatus.map { .exited($0) } ?? .timedOut
    }

    /// A run got no answer (the driver's `exitStatus` if it exited; whether the deadline
    /// had passed); the next run starts a fresh driver.
    @discardableResult
    mutating func runFailed(exitStatus: Int32?, timedOut: Bool) -> RunEnding {
        let ending: RunEnding = exitStatus.map { .exited($0) } ?? (timedOut ? .hung : .disconnected)
        if !isStopped { state = .lost(ending) }
        return ending
    }

    mutating func shutdown() {
        state = .stopped
    }

    /// The state in a few words, for logs and `status`.
    var description: String {
        switch state {
        case .notStarted: "not started"
        case .starting(let pid): "starting (pid \(pid))"
        case .warm(let pid): "warm (pid \(pid))"
        case .failedToStart: "failed to start"
        case .lost(.hung): "killed after hanging"
        case .lost(.disconnected): "killed after its connection closed"
        case .lost(.exited(let status)): "died (status \(status))"
        case .stopped: "stopped"
        }
    }
}
