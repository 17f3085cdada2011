import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// Polls the lake for gold and the bronze bookmark and feeds the store, until graceful
/// shutdown; then ends every page's event stream so the server can drain.
///
/// Lake reads block (WebHDFS is HTTP), so they run on a serial queue of their own, never
/// on an event loop or the cooperative pool; one read at a time, so a slow lake is never
/// asked twice at once.
struct GoldWatcher: Service {
    let reader: GoldReader
    let store: GoldStore
    let pollInterval: Duration
    let heartbeatInterval: Duration
    let logger: Logger
    private let queue = DispatchQueue(label: "medallion.dashboard.lake")

    init(reader: GoldReader, store: GoldStore, pollInterval: Duration, heartbeatInterval: Duration, logger: Logger) {
        self.reader = reader
        self.store = store
        self.pollInterval = pollInterval
        self.heartbeatInterval = heartbeatInterval
        self.logger = logger
    }

    func run() async throws {
        defer { store.finish() }
        let clock = ContinuousClock()
        var lastHeartbeat = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let before = store.state
            let change = store.apply(await poll())
            if change == .update { log(before: before, after: store.state) }
            if clock.now - lastHeartbeat >= heartbeatInterval {
                store.heartbeat()
                lastHeartbeat = clock.now
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            } catch {
                break
            }
        }
    }

    /// One read of the lake, on the lake queue.
    func poll() async -> DashboardState.Observation {
        await withCheckedContinuation { continuation in
            queue.async { [reader] in
                let gold = Result { () throws(DashboardError) in try reader.readGold() }
                let bookmark = Result { () throws(DashboardError) in try reader.readBookmark() }
                continuation.resume(returning: DashboardState.Observation(gold: gold, bookmark: bookmark))
            }
        }
    }

    private func log(before: DashboardState, after: DashboardState) {
        var metadata: Logger.Metadata = ["status": "\(after.health.name)", "version": "\(after.version)"]
        if let batch = after.snapshot?.bronzeBatch { metadata["bronze_batch"] = "\(batch)" }
        switch after.health {
        case .malformed(let message), .unreachable(let message):
            logger.warning("gold cannot be shown: \(message)", metadata: metadata)
        case .goldMissing:
            logger.warning("gold has disappeared from the lake; showing the last good result", metadata: metadata)
        case .current where after.snapshot != before.snapshot:
            logger.info("new gold result", metadata: metadata.merging(["branches": "\(after.snapshot?.branches.count ?? 0)"]) { $1 })
        default:
            if after.isStale != before.isStale {
                logger.notice(after.isStale ? "gold is stale" : "gold is fresh again", metadata: metadata)
            }
        }
    }
}
