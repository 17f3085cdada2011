import Foundation
import ServiceLifecycle

extension StageService: Service {
    /// Runs the stage runner until graceful shutdown (SIGTERM/SIGINT in the daemon's
    /// `ServiceGroup`) or cancellation, then stops it: a run in flight is ended (its
    /// driver killed; the next start redoes it) and the thread is joined. Stopping blocks,
    /// so it happens on a thread of its own, never on the cooperative pool.
    public func run() async {
        start()
        try? await gracefulShutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                stop()
                continuation.resume()
            }
            thread.name = "medallion-stages-stop"
            thread.start()
        }
    }
}
