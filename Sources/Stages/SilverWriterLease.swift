import Foundation
import Lake
import Logging
import Synchronization

/// Keeps two stage runs from writing silver and gold at the same time: the daemon's
/// stage runner and `medallion refresh`, on this machine or another, on every lake
/// backend. A run holds the lease from before its jobs start until they have ended.
///
/// A writer holds it through a claim, `silver/_writers/<token>.json` (who, since when),
/// renewed every 5 s while the run lasts. The lake interface has no exclusive create, so
/// a claim is taken in two steps: a writer that sees no live claim of another writes its
/// own, then lists again, and holds the lease only if no other live claim appeared;
/// otherwise it withdraws its claim and tries again after a random pause. Two writers may
/// both withdraw, but never both hold: the later of two claims is written after the
/// earlier writer's second listing, so the later writer's second listing sees it.
///
/// A claim not renewed for 30 s, or whose process is gone on this host, is stale (a
/// killed daemon or refresh); it is removed, so a crash never blocks the next run.
struct SilverWriterLease: Sendable {
    static let directory = "silver/_writers"
    static let leaseDuration = 30.0
    static let renewInterval = 5.0
    static let pollInterval = 0.25

    /// Who writes: the daemon's stage runner, or `medallion refresh`.
    enum Role: String, Sendable {
        case daemon = "the daemon's stage runner"
        case refresh = "medallion refresh"
    }

    let lake: any LakeStorage
    let role: Role
    let logger: Logger

    /// Takes the lease, waiting while another writer holds it: `waiting` is told the
    /// holder once. Gives up with `.busy` at `deadline` (`nil`: never), with
    /// `.shuttingDown` as soon as `stopping` is true.
    func acquire(until deadline: ContinuousClock.Instant?, stopping: () -> Bool,
                 waiting: (Claim) -> Void) throws(StageError) -> Hold {
        let claim = Claim(token: UUID().uuidString, role: role.rawValue, host: LocalProcess.hostName,
                          process: .current, startedAt: Date().formatted(.iso8601), renewedAt: Self.now)
        let path = "\(Self.directory)/\(claim.token).json"
        var announced = false
        while true {
            if stopping() { throw .shuttingDown }
            if let holder = try liveClaims(except: claim.token).first {
                if !announced {
                    waiting(holder)
                    announced = true
                }
                if let deadline, ContinuousClock.now >= deadline {
                    throw StageError(.busy, message: "Silver and gold are still being written by \(holder.holderDescription); try again when that run has finished (`medallion status` shows the daemon's runs).")
                }
                Thread.sleep(forTimeInterval: Self.pollInterval)
                continue
            }
            try lakeCall("write \(path)") { try lake.writeAtomically(path, data: claim.encoded()) }
            if try liveClaims(except: claim.token).isEmpty {
                return Hold(lease: self, claim: claim, path: path)
            }
            try lakeCall("delete \(path)") { try lake.delete(path) }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.5))
        }
    }

    /// The claims of other writers that are not stale; stale ones are removed.
    private func liveClaims(except token: String) throws(StageError) -> [Claim] {
        let entries = try lakeCall("list \(Self.directory)") { try lake.list(Self.directory) }
        var live: [Claim] = []
        for entry in entries where !entry.isDirectory && entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".")
            && entry.name != "\(token).json" {
            guard let bytes = try lakeCall("read \(entry.path)", { try lake.readIfExists(entry.path) }) else { continue }
            guard let claim = try? Claim.decode(bytes), !claim.isStale(now: Self.now) else {
                logger.info("removing a stale silver writer claim", metadata: ["claim": "\(String(decoding: bytes, as: UTF8.self))"])
                try lakeCall("delete \(entry.path)") { try lake.delete(entry.path) }
                continue
            }
            live.append(claim)
        }
        return live
    }

    private func lakeCall<T>(_ action: String, _ body: () throws -> T) throws(StageError) -> T {
        do {
            return try body()
        } catch {
            throw StageError(.lake, message: "Cannot \(action) in \(lake.description) for the silver writer lease: \(error)")
        }
    }

    static var now: Double { Date().timeIntervalSince1970 }
}

extension SilverWriterLease {
    /// A writer's claim, as stored in `silver/_writers/<token>.json`.
    struct Claim: Codable, Sendable {
        var token: String
        var role: String
        var host: String
        var process: LocalProcess
        var startedAt: String
        /// Seconds since 1970 of the last renewal.
        var renewedAt: Double

        /// `the daemon's stage runner on host-1 pid 4242 (since …)`, for messages.
        var holderDescription: String { "\(role) on \(host) pid \(process.pid) (since \(startedAt))" }

        /// Whether its writer stopped renewing it, or is gone from this host.
        func isStale(now: Double) -> Bool {
            if now - renewedAt > SilverWriterLease.leaseDuration { return true }
            return host == LocalProcess.hostName && !process.isAlive
        }

        func encoded() throws -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            return Array(try encoder.encode(self))
        }

        static func decode(_ bytes: [UInt8]) throws -> Claim {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Claim.self, from: Data(bytes))
        }
    }

    /// A lease held: renewed on a thread of its own until `release`.
    final class Hold: Sendable {
        private struct State {
            var claim: Claim
            var released = false
        }

        private let lease: SilverWriterLease
        private let path: String
        private let state: Mutex<State>
        private let wakeUp = DispatchSemaphore(value: 0)

        fileprivate init(lease: SilverWriterLease, claim: Claim, path: String) {
            self.lease = lease
            self.path = path
            state = Mutex(State(claim: claim))
            let thread = Thread { [self] in renewUntilReleased() }
            thread.name = "medallion-silver-lease"
            thread.start()
        }

        /// Removes the claim: the next writer may start at once.
        func release() {
            let first = state.withLock { state in
                defer { state.released = true }
                return !state.released
            }
            guard first else { return }
            wakeUp.signal()
            do {
                try lease.lake.delete(path)
            } catch {
                lease.logger.warning("cannot remove the silver writer claim; it goes stale in \(Int(SilverWriterLease.leaseDuration)) s",
                                     metadata: ["path": "\(path)", "error": "\(error)"])
            }
        }

        private func renewUntilReleased() {
            while true {
                _ = wakeUp.wait(timeout: .now() + SilverWriterLease.renewInterval)
                let snapshot = state.withLock { state -> Claim? in
                    if state.released { return nil }
                    state.claim.renewedAt = SilverWriterLease.now
                    return state.claim
                }
                guard let snapshot else { return }
                do {
                    if try lease.lake.readIfExists(path) == nil {
                        lease.logger.warning("the silver writer claim was removed as stale while its run went on; writing it again",
                                             metadata: ["path": "\(path)"])
                    }
                    // A renewal racing `release` could bring a released claim back.
                    try state.withLock { state in
                        if !state.released { try lease.lake.writeAtomically(path, data: snapshot.encoded()) }
                    }
                } catch {
                    lease.logger.warning("cannot renew the silver writer claim", metadata: ["path": "\(path)", "error": "\(error)"])
                }
            }
        }
    }
}
