import Foundation
import Synchronization

/// Holds the dashboard's state and fans its changes out to every open page.
///
/// State and subscribers sit behind one `Mutex`, so a page that subscribes sees the state
/// at that moment and then every later change, with nothing lost in between. Each
/// subscriber has its own `AsyncStream` that keeps only its newest events, so a slow page
/// never holds up the others or grows memory.
final class GoldStore: Sendable {
    private struct Inner {
        var state: DashboardState
        var subscribers: [Int: AsyncStream<DashboardEvent>.Continuation] = [:]
        var nextID = 0
        var finished = false
        /// Tasks waiting for the subscriber count to drop to a value (tests).
        var countWaiters: [(atMost: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let inner: Mutex<Inner>

    init(state: DashboardState) {
        inner = Mutex(Inner(state: state))
    }

    var state: DashboardState {
        inner.withLock { $0.state }
    }

    var subscriberCount: Int {
        inner.withLock { $0.subscribers.count }
    }

    /// Folds an observation into the state and tells every subscriber what changed.
    @discardableResult
    func apply(_ observation: DashboardState.Observation, now: Date = Date()) -> DashboardState.Change {
        inner.withLock { inner in
            let change = inner.state.apply(observation, now: now)
            switch change {
            case .none: break
            case .update: Self.broadcast(.update(inner.state), to: inner.subscribers)
            case .bronze:
                if let bookmark = inner.state.bookmark { Self.broadcast(.bronze(bookmark), to: inner.subscribers) }
            }
            return change
        }
    }

    func heartbeat() {
        inner.withLock { Self.broadcast(.heartbeat, to: $0.subscribers) }
    }

    /// The current state and a stream of every later event; the stream ends when the
    /// store finishes (shutdown) and its consumer stopping unsubscribes it.
    func subscribe() -> (DashboardState, AsyncStream<DashboardEvent>) {
        // With no limit there is always a slot.
        subscribe(limit: .max)!
    }

    /// As `subscribe()`, or `nil` when `limit` streams are open already.
    func subscribe(limit: Int) -> (DashboardState, AsyncStream<DashboardEvent>)? {
        let (stream, continuation) = AsyncStream.makeStream(of: DashboardEvent.self, bufferingPolicy: .bufferingNewest(4))
        let (state, id, full) = inner.withLock { inner -> (DashboardState, Int?, Bool) in
            guard !inner.finished else { return (inner.state, nil, false) }
            guard inner.subscribers.count < limit else { return (inner.state, nil, true) }
            let id = inner.nextID
            inner.nextID += 1
            inner.subscribers[id] = continuation
            return (inner.state, id, false)
        }
        guard let id else {
            continuation.finish()
            return full ? nil : (state, stream)
        }
        continuation.onTermination = { [weak self] _ in
            self?.unsubscribe(id)
        }
        return (state, stream)
    }

    /// Returns once at most `count` streams are open.
    func subscribersDropped(to count: Int) async {
        await withCheckedContinuation { continuation in
            let ready = inner.withLock { inner in
                guard inner.subscribers.count > count else { return true }
                inner.countWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func unsubscribe(_ id: Int) {
        let ready = inner.withLock { inner -> [CheckedContinuation<Void, Never>] in
            inner.subscribers.removeValue(forKey: id)
            let count = inner.subscribers.count
            let ready = inner.countWaiters.filter { $0.atMost >= count }.map(\.continuation)
            inner.countWaiters.removeAll { $0.atMost >= count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Ends every subscriber's stream, and those of later subscribers.
    func finish() {
        let (subscribers, waiters) = inner.withLock { inner in
            inner.finished = true
            defer {
                inner.subscribers.removeAll()
                inner.countWaiters.removeAll()
            }
            return (inner.subscribers, inner.countWaiters.map(\.continuation))
        }
        for continuation in subscribers.values { continuation.finish() }
        for waiter in waiters { waiter.resume() }
    }

    private static func broadcast(_ event: DashboardEvent, to subscribers: [Int: AsyncStream<DashboardEvent>.Continuation]) {
        for continuation in subscribers.values { continuation.yield(event) }
    }
}
