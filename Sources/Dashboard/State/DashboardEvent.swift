import LakeContract

/// What the store tells each open page (one server-sent event each).
enum DashboardEvent: Sendable, Equatable {
    /// What the page shows changed; it should fetch the new content.
    case update(DashboardState)
    /// Only the bronze bookmark moved.
    case bronze(Bookmark)
    /// Nothing changed; keeps idle connections (and proxies) alive.
    case heartbeat
}
