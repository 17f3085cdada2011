import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Calls `handler` once on SIGINT or SIGTERM (the default action is disabled).
final class ShutdownSignals: Sendable {
    private nonisolated(unsafe) let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable (Int32) -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }
}
