import Foundation
import ServiceLifecycle

/// Blocking work (capture, the retail simulator: libpq is blocking) as a `Service`: `body`
/// runs on a thread of its own, and graceful shutdown or cancellation calls `stop`, which
/// asks it to end after its current step (for capture: never in the middle of a batch's
/// commit). `run()` returns when `body` does, with its error.
public struct BlockingService: Service {
    let body: @Sendable () throws -> Void
    let stop: @Sendable () -> Void

    public init(body: @escaping @Sendable () throws -> Void, stop: @escaping @Sendable () -> Void) {
        self.body = body
        self.stop = stop
    }

    public func run() async throws {
        let (body, stop) = (body, stop)
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    Thread {
                        do {
                            try body()
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }.start()
                }
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }
}
