import Foundation
import LakeContract

/// What the dashboard shows, as a pure value: the last good gold result, the health of
/// the last read, the bronze bookmark and whether the pipeline looks stale.
///
/// `apply(_:now:)` folds one poll of the lake into the state and says what changed, so the
/// rules (keep the last good result, when to tell the pages) are unit-tested with no I/O.
struct DashboardState: Sendable, Equatable {
    /// How the last read of gold went.
    enum Health: Sendable, Equatable {
        /// No gold result has ever been seen.
        case waiting
        /// The last read found a good result.
        case current
        /// Gold was there and is gone from the lake; the last good result is kept.
        case goldMissing
        /// Gold exists but cannot be parsed (the message says why).
        case malformed(String)
        /// The lake could not be read; the last good result (if any) is kept.
        case unreachable(String)

        /// The machine-readable name used by the API.
        var name: String {
            switch self {
            case .waiting: "waiting"
            case .current: "current"
            case .goldMissing: "gold_missing"
            case .malformed: "malformed"
            case .unreachable: "lake_unreachable"
            }
        }
    }

    /// One poll of the lake.
    struct Observation: Sendable {
        var gold: Result<GoldReader.Reading, DashboardError>
        var bookmark: Result<Bookmark?, DashboardError>
    }

    /// What `apply` changed, which decides the server-sent event.
    enum Change: Sendable, Equatable {
        case none
        /// Only the bronze bookmark moved (the capture-lag line).
        case bronze
        /// What the page shows changed: a new result, health, or staleness.
        case update
    }

    /// Identifies this server process, so a page reconnecting to a restarted server refreshes.
    var instance: String
    /// Increases whenever what the page shows changes.
    var version = 0
    var health = Health.waiting
    /// The last good gold result.
    var snapshot: GoldSnapshot?
    var bookmark: Bookmark?
    /// Since when the lake has been unreachable.
    var unreachableSince: Date?
    /// Gold is older than `staleAfter` while bronze has moved past the batch it covers.
    var isStale = false
    /// How old gold may get, while bronze has newer batches, before the page warns.
    var staleAfter: TimeInterval

    init(instance: String, staleAfter: TimeInterval) {
        self.instance = instance
        self.staleAfter = staleAfter
    }

    /// The version as the pages see it: unique across server restarts.
    var tag: String { "\(instance)-\(version)" }

    mutating func apply(_ observation: Observation, now: Date) -> Change {
        let before = self
        switch observation.gold {
        case .success(.published(let snapshot)):
            self.snapshot = snapshot
            health = .current
            unreachableSince = nil
        case .success(.inProgress):
            if case .unreachable = health { health = snapshot == nil ? .waiting : .current }
            unreachableSince = nil
        case .success(.absent):
            health = snapshot == nil ? .waiting : .goldMissing
            unreachableSince = nil
        case .failure(let error) where error.code == .lakeUnavailable:
            unreachableSince = unreachableSince ?? now
            health = .unreachable(error.message)
        case .failure(let error):
            health = .malformed(error.message)
            unreachableSince = nil
        }
        // A bookmark that cannot be read keeps the one already known.
        if case .success(let bookmark) = observation.bookmark, let bookmark {
            self.bookmark = bookmark
        }
        isStale = Self.stale(snapshot: snapshot, bookmark: bookmark, now: now, staleAfter: staleAfter)

        if health != before.health || snapshot != before.snapshot || isStale != before.isStale {
            version += 1
            return .update
        }
        return bookmark != before.bookmark ? .bronze : .none
    }

    /// Gold is stale when it is older than `staleAfter` and bronze has committed batches
    /// it does not cover: the gold stage is not keeping up.
    static func stale(snapshot: GoldSnapshot?, bookmark: Bookmark?, now: Date, staleAfter: TimeInterval) -> Bool {
        guard let snapshot, let producedAt = snapshot.producedAt, let bookmark else { return false }
        let behind = snapshot.bronzeBatch.map { bookmark.batch > UInt64(max(0, $0)) } ?? true
        return behind && now.timeIntervalSince(producedAt) > staleAfter
    }

    /// Whether the API can answer with data (200) or must say it cannot (503).
    var isServable: Bool {
        switch health {
        case .malformed: false
        case .unreachable: snapshot != nil
        case .waiting, .current, .goldMissing: true
        }
    }
}
