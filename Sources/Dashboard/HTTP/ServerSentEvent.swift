import Foundation
import LakeContract

/// The wire form of the events on `GET /events` (`text/event-stream`).
///
/// - `update` (`{"version", "status", "produced_at", "bronze_batch"}`): what the page shows
///   changed; sent once on connect too, so a page that reconnects catches up.
/// - `bronze` (`{"batch", "committed_at", "committed_at_ms"}`): the capture bookmark moved.
/// - a comment line as heartbeat.
enum ServerSentEvent {
    /// Asks browsers to reconnect after 1 s when the connection drops.
    static let preamble = "retry: 1000\n\n"

    static func encode(_ event: DashboardEvent) -> String {
        switch event {
        case .update(let state):
            let object: [String: Any] = [
                "version": state.tag,
                "status": state.health.name,
                "produced_at": state.snapshot?.producedAt.map(LakeTimestamp.format) ?? NSNull(),
                "bronze_batch": state.snapshot?.bronzeBatch ?? NSNull(),
            ]
            return "event: update\ndata: \(json(object))\n\n"
        case .bronze(let bookmark):
            let object: [String: Any] = [
                "batch": bookmark.batch,
                "committed_at": bookmark.committedDate.map(LakeTimestamp.format) ?? NSNull(),
                "committed_at_ms": bookmark.committedDate.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? NSNull(),
            ]
            return "event: bronze\ndata: \(json(object))\n\n"
        case .heartbeat:
            return ": heartbeat\n\n"
        }
    }

    private static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
