import ServiceLifecycle
import ServiceThreads

extension CaptureDaemon: Service {
    /// Captures on a thread of its own until graceful shutdown or cancellation, which end
    /// capture after its current step; throws what `runBlocking` throws.
    public func run() async throws {
        try await BlockingService(body: runBlocking, stop: stop).run()
    }
}
