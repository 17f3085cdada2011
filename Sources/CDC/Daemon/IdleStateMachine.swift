/// When the daemon may sleep on LISTEN, and when it must keep reading.
///
/// The capture trigger only notifies while the sequence `cdc.daemon_idle` is 1. Going idle is
/// a protocol: set the flag, take a fence `X = pg_current_xact_id()` after it is set,
/// then keep reading until a read whose watermark is past `X` comes back empty. Every
/// transaction that could have seen the old (busy) flag has an id below `X`, so once the
/// watermark passes `X` each of them is either in bronze or will notify.
struct IdleStateMachine: Sendable, Equatable {
    enum State: Sendable, Equatable {
        case busy
        case goingIdle(fence: UInt64)
        case idle
    }

    /// What the daemon does next.
    enum Action: Sendable, Equatable {
        /// Read again at once.
        case readNow
        /// Wait `maxDelay` (gathering a batch), then read.
        case readAfterDelay
        /// Set the idle flag and report the fence with `fenced(_:)`.
        case setIdleFlag
        /// Set the busy flag, then wait `maxDelay` and read.
        case setBusyFlagThenReadAfterDelay
        /// Sleep on LISTEN until a notification or the slow poll.
        case waitForNotification
    }

    private(set) var state: State = .busy

    /// A read finished with `rows` rows below `watermark`; `full` when a table had more.
    mutating func read(rows: Int, watermark: UInt64, full: Bool) -> Action {
        if rows > 0 {
            let wasBusy = state == .busy
            state = .busy
            if !wasBusy { return .setBusyFlagThenReadAfterDelay }
            return full ? .readNow : .readAfterDelay
        }
        switch state {
        case .busy:
            return .setIdleFlag
        case .goingIdle(let fence):
            if watermark > fence {
                state = .idle
                return .waitForNotification
            }
            return .readAfterDelay
        case .idle:
            return .waitForNotification
        }
    }

    /// The idle flag committed; `fence` is a transaction id taken after it.
    mutating func fenced(_ fence: UInt64) -> Action {
        state = .goingIdle(fence: fence)
        return .readNow
    }

    /// A notification arrived while sleeping on LISTEN.
    mutating func notified() -> Action {
        state = .busy
        return .setBusyFlagThenReadAfterDelay
    }

    /// The slow poll fired with no notification: read, staying idle.
    mutating func pollTimerFired() -> Action {
        .readNow
    }

    /// After a reconnect the flag's state is unknown: start busy.
    mutating func reset() {
        state = .busy
    }
}
