/// How long capture waits before its next attempt after a transient failure: from
/// `initial`, doubling per failed attempt up to `maximum`, back to `initial` once a
/// session connects. A value: the daemon's loop owns it, tests drive it without I/O.
struct ReconnectBackoff: Sendable, Equatable {
    let initial: Duration
    let maximum: Duration
    /// Attempts since the last session that connected (for logs).
    private(set) var attempt = 0
    /// The wait after the next failure.
    private(set) var delay: Duration

    init(initial: Duration = .milliseconds(100), maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        delay = initial
    }

    /// A session is about to be opened.
    mutating func attemptStarted() {
        attempt += 1
    }

    /// The session connected: the next failure waits `initial` again.
    mutating func connected() {
        attempt = 0
        delay = initial
    }

    /// The session failed transiently: returns how long to wait before the next attempt.
    mutating func failed() -> Duration {
        let wait = delay
        delay = min(delay * 2, maximum)
        return wait
    }
}
