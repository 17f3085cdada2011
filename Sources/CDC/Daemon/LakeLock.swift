import Foundation
import Lake
import Synchronization
import LakeContract

/// Keeps two daemons from writing to the same lake: a lease file in the lake
/// (`bronze/_cdc/daemon.json`) that the owner renews; a second daemon refuses to start
/// while the lease is fresh, naming its holder. Works on every lake backend.
final class LakeLock: Sendable {
    static let path = "bronze/_cdc/daemon.json"
    /// A lease not renewed for this long is considered abandoned.
    static let leaseDuration = 30.0
    static let renewInterval = 5.0

    private let lake: any LakeStorage
    private let lease: Mutex<DaemonLease>
    private let lastRenewal = Mutex<Double>(0)

    init(lake: any LakeStorage) {
        self.lake = lake
        lease = Mutex(DaemonLease(
            host: ProcessInfo.processInfo.hostName, pid: getpid(), token: UUID().uuidString,
            startedAt: LakeTimestamp.format(), renewedAt: 0, state: "starting", lastBatch: 0))
    }

    /// Takes the lease, or throws naming the daemon that holds it.
    func acquire() throws {
        if let current = try read(), current.token != lease.withLock({ $0.token }),
           !current.isStale(now: Self.now, leaseDuration: Self.leaseDuration, localHost: ProcessInfo.processInfo.hostName) {
            throw CaptureError(.locked, message: "Another medallion daemon is writing to \(lake.description): \(current.holderDescription), last seen \(Int(Self.now - current.renewedAt)) s ago. Stop it first, or point this one at another lake.")
        }
        try write()
        // Two daemons that started together both wrote; the later write wins and the
        // other one sees a foreign token on the next renewal and stops.
        try checkOwnership()
    }

    /// Renews the lease when due, recording `state`; throws when another daemon took it.
    func renewIfDue(state: String, batch: UInt64?) throws {
        lease.withLock {
            $0.state = state
            if let batch { $0.lastBatch = batch }
        }
        guard Self.now - lastRenewal.withLock({ $0 }) >= Self.renewInterval else { return }
        try checkOwnership()
        try write()
    }

    /// Records an error for `medallion status` (written with the next renewal).
    func record(error: any Error) {
        lease.withLock {
            $0.lastError = "\(error)"
            $0.lastErrorAt = LakeTimestamp.format()
        }
        lastRenewal.withLock { $0 = 0 }
    }

    /// Marks the lease stopped so the next daemon may start at once.
    func release() {
        lease.withLock { $0.state = "stopped" }
        try? write()
    }

    private func checkOwnership() throws {
        if let current = try read(), current.token != lease.withLock({ $0.token }) {
            throw CaptureError(.locked, message: "Another medallion daemon took over \(lake.description): \(current.holderDescription). This one stops; run only one daemon per lake.")
        }
    }

    private func write() throws {
        let now = Self.now
        let snapshot = lease.withLock { lease in
            lease.renewedAt = now
            return lease
        }
        try lake.writeAtomically(Self.path, data: LakeJSON.encode(snapshot))
        lastRenewal.withLock { $0 = now }
    }

    private func read() throws -> DaemonLease? {
        try Self.read(lake)
    }

    static func read(_ lake: any LakeStorage) throws -> DaemonLease? {
        guard let bytes = try lake.readIfExists(path) else { return nil }
        return try LakeJSON.decode(DaemonLease.self, from: bytes, path: path)
    }

    static var now: Double { Date().timeIntervalSince1970 }
}
