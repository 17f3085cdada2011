import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The record of a Spark process group this process starts, kept as
/// `<logDirectory>/medallion-stages-<marker>.pid` from before the spawn until the group
/// has ended.
///
/// Children die with the daemon through their parent-death signal (`ChildSpawner`), but
/// that reaches only the group's leader (and the Python driver, which sets its own), and
/// not when the daemon dies in the instant between a spawn and `setpriv`'s `prctl`. So
/// each start first ends the groups a dead owner left (`endLeftovers`), and only when they
/// are verifiably ours: every process of a group carries `MEDALLION_STAGE_GROUP=<marker>`
/// in its environment, a random marker recorded here, so a pid the kernel has reused for
/// another program is never signalled. The record is written before the spawn, so a
/// daemon killed at any moment leaves one for each group it may have started.
struct SparkGroupFile: Codable, Sendable {
    /// The environment variable that marks every process of a group.
    static let markerVariable = "MEDALLION_STAGE_GROUP"

    /// The group id (the leader's pid); 0 until the spawn returned.
    var group: Int32
    /// The random value of `MEDALLION_STAGE_GROUP` in the group's environment.
    var marker: String
    /// The medallion process that started the group, and its host.
    var owner: LocalProcess
    var host: String
    var runner: String
    var startedAt: String

    /// A record for a group about to be started by this process.
    init(runner: String) {
        group = 0
        marker = UUID().uuidString
        owner = .current
        host = LocalProcess.hostName
        self.runner = runner
        startedAt = Date().formatted(.iso8601)
    }

    /// `MEDALLION_STAGE_GROUP=<marker>`.
    var markerEntry: String { "\(Self.markerVariable)=\(marker)" }

    static func path(directory: String, marker: String) -> String {
        "\(directory)/medallion-stages-\(marker).pid"
    }

    /// Writes the record (atomically) into `directory`.
    func write(toDirectory directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try StateFile.writeAtomically(encoder.encode(self), to: Self.path(directory: directory, marker: marker))
    }

    func remove(directory: String) {
        unlink(Self.path(directory: directory, marker: marker))
    }

    /// Ends the Spark process groups that owners no longer running left in `directory`
    /// (a daemon killed with SIGKILL, a crash), and removes their records. A group whose
    /// owner still runs (a `refresh` beside the daemon) is left alone, and so is a pid
    /// that does not carry the record's marker. Returns the groups it killed, once their
    /// processes are gone (or after 10 s).
    @discardableResult
    static func endLeftovers(in directory: String, logger: Logger) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var killed: [Int32] = []
        for name in names where name.hasPrefix("medallion-stages-") && name.hasSuffix(".pid") {
            let path = "\(directory)/\(name)"
            // Only our own user's records: nobody else's record makes us signal anything.
            guard StateFile.isTrusted(path), let record = read(path), record.host == LocalProcess.hostName,
                  !record.owner.isAlive else { continue }
            let ours = processes(carrying: record.markerEntry)
            if !ours.isEmpty {
                logger.warning("ending a Spark driver left by an earlier medallion process", metadata: [
                    "group": "\(record.group)", "pids": "\(ours.map(String.init).joined(separator: ","))",
                    "owner_pid": "\(record.owner.pid)", "runner": "\(record.runner)", "started_at": "\(record.startedAt)",
                ])
                // A member carrying the marker proves the group id is still that group's.
                if record.group > 0 && ours.contains(where: { LocalProcess.stat($0)?.group == record.group }) {
                    _ = kill(-record.group, SIGKILL)
                }
                ours.forEach { _ = kill($0, SIGKILL) }
                awaitGone(record.markerEntry, until: .now + .seconds(10))
                killed.append(record.group)
            }
            unlink(path)
        }
        return killed
    }

    private static func read(_ path: String) -> SparkGroupFile? {
        guard let data = try? StateFile.read(path) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(SparkGroupFile.self, from: data)
    }

    /// The live processes whose environment holds `entry`: the group's members, and any
    /// descendant that left the group.
    private static func processes(carrying entry: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name in
            guard let pid = Int32(name), pid != getpid(), LocalProcess(pid: pid).isAlive,
                  LocalProcess.environment(of: pid, contains: entry) else { return nil }
            return pid
        }
    }

    /// Waits until no live process carries `entry`. The processes are not our children,
    /// so there is nothing to wait on but `/proc`.
    private static func awaitGone(_ entry: String, until deadline: ContinuousClock.Instant) {
        while !processes(carrying: entry).isEmpty && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
