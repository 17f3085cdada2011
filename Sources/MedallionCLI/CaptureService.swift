import CDC
import Foundation
import ServiceLifecycle

/// The blocking capture loop as a `Service`: it runs on a thread of its own (libpq is
/// blocking), and graceful shutdown or cancellation stops it after the current step —
/// never in the middle of a batch's commit.
struct CaptureService: Service {
    let daemon: CaptureDaemon

    func run() async throws {
        let daemon = daemon
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    Thread {
                        do {
                            try daemon.run()
                            continuation.resume()
                        } catch {
                            continuation.resume(throwing: error)
                        }
                    }.start()
                }
            } onGracefulShutdown: {
                daemon.stop()
            }
        } onCancel: {
            daemon.stop()
        }
    }
}
