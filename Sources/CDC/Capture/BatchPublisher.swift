import Foundation
import Synchronization

/// Publishes a batch (Parquet encoding, file writes, commit) on its own thread, so that
/// while a backlog drains the next batch is read from PostgreSQL meanwhile.
///
/// At most one publish is in flight, and the capture thread collects it before it writes
/// the next intent, so the commit protocol stays strictly one batch after another.
final class BatchPublisher: Sendable {
    /// Work handed from the capture thread to the publisher thread: the batch's encoded
    /// rows move with it and the capture thread no longer touches them. `@unchecked`
    /// because `sending` cannot say so: the Parquet writers holding the rows were filled
    /// inside a closure given to the connection's COPY, which joins them to the connection's
    /// region for the compiler, though nothing of them stays there.
    struct Handoff: @unchecked Sendable {
        let work: () throws -> PublishedBatch
    }

    private let queue = DispatchQueue(label: "medallion.bronze-publish")
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<PublishedBatch, any Error>?>(nil)
    private let inFlight = Atomic<Bool>(false)

    /// Starts `handoff` on the publisher thread. Collect the one in flight first.
    func start(_ handoff: Handoff) {
        precondition(!inFlight.load(ordering: .acquiring), "collect the batch in flight before starting another")
        inFlight.store(true, ordering: .releasing)
        queue.async { [self] in
            let outcome = Result { try handoff.work() }
            result.withLock { $0 = outcome }
            done.signal()
        }
    }

    /// Waits for the publish in flight, if any; returns what it committed or rethrows
    /// its error.
    func collect() throws -> PublishedBatch? {
        guard inFlight.load(ordering: .acquiring) else { return nil }
        done.wait()
        inFlight.store(false, ordering: .releasing)
        let outcome = result.withLock { stored in
            defer { stored = nil }
            return stored
        }
        return try outcome?.get()
    }
}

/// A batch whose bookmark is written: what it committed, for pruning, logs and metrics.
struct PublishedBatch: Sendable {
    var intent: BatchIntent
    var batch: CommittedBatch
}
