import Foundation

/// The lake's record of the daemon that owns it: who, since when, and how it is doing.
/// Stored at `bronze/_cdc/daemon.json`, renewed every few seconds; it is both the lock
/// that keeps a second daemon out and the heartbeat `medallion status` reads.
public struct DaemonLease: Sendable, Hashable, Codable {
    public var host: String
    public var pid: Int32
    /// Unique per daemon process, so an owner can tell its own lease from another's.
    public var token: String
    public var startedAt: String
    /// Seconds since 1970 of the last renewal.
    public var renewedAt: Double
    /// `capturing`, `idle`, `reconnecting` or `stopped`.
    public var state: String
    public var lastBatch: UInt64
    public var lastError: String?
    public var lastErrorAt: String?

    /// Whether the owner stopped renewing (crashed or was killed).
    func isStale(now: Double, leaseDuration: Double, localHost: String) -> Bool {
        if state == "stopped" { return true }
        if now - renewedAt > leaseDuration { return true }
        // On the same machine a dead pid settles it at once (no waiting out the lease).
        if host == localHost && kill(pid, 0) != 0 && errno == ESRCH { return true }
        return false
    }

    /// `host:pid (started …)` for messages.
    public var holderDescription: String { "\(host) pid \(pid) (started \(startedAt))" }
}
