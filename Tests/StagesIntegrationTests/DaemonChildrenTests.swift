import Foundation
import Lake
import Logging
import Testing
import TestSupport
@testable import Stages

/// Children die with the daemon, however it ends: `medallion run` killed with SIGKILL
/// takes its warm Spark driver (JVM and Python) along, holds none of the daemon's
/// sockets or secrets, and a restart on the same metrics port starts at once beside no
/// older driver.
@Suite(.serialized) struct DaemonChildrenTests {
    @Test func sigkillTakesTheWarmDriverAlongAndTheRestartBindsAtOnce() async throws {
        try await offPool {
            let setup = try DaemonSetup()
            defer { setup.remove() }
            let metricsPort = try PostgresCluster.freePort()
            // Secrets in the daemon's environment (the cluster trusts local connections, so
            // the DSN's password is only a marker), which none of its children may show.
            let secrets = ["pg-\(UUID())", "dsn-\(UUID())", "hdfs-\(UUID())"]
            let environment = setup.environment([
                "MEDALLION_METRICS_ADDRESS": "127.0.0.1:\(metricsPort)", "PGPASSWORD": secrets[0],
                "MEDALLION_DSN": setup.cluster.dsn(database: setup.database) + " password=\(secrets[1])",
                "MEDALLION_HDFS_TOKEN": secrets[2],
            ])
            let first = try ChildProcess(setup.medallion, ["run"], environment: environment)
            defer { first.signal(SIGKILL) }
            try setup.insertOrders(3, branch: "kill-1")
            _ = try setup.awaitGold(first)

            let old = try DriverGroup(in: setup.work)
            defer { old.kill() }
            let oldProcesses = old.processes()
            #expect(oldProcesses.contains(old.group), "the JVM leads the recorded group: \(oldProcesses)")
            #expect(oldProcesses.contains(where: old.isPythonDriver), "\(oldProcesses)")
            // No child of the daemon shows a secret, or a token, on its command line or in its environment.
            let children = LocalProcesses.descendants(of: first.pid)
            #expect(Set(oldProcesses).isSubset(of: children), "\(children)")
            for pid in children {
                let shown = LocalProcesses.commandLine(pid) + LocalProcesses.environment(pid)
                #expect(!secrets.contains(where: shown.contains), "pid \(pid) shows a secret: \(DriverGroup.commandLine(pid))")
                #expect(!shown.contains("--token "), "\(DriverGroup.commandLine(pid))")
            }
            // None of the daemon's sockets (the metrics listener, PostgreSQL, the driver channel) is in its driver.
            let daemonSockets = DriverGroup.sockets(of: first.pid)
            #expect(!daemonSockets.isEmpty)
            for pid in oldProcesses {
                #expect(DriverGroup.sockets(of: pid).isDisjoint(with: daemonSockets), "\(DriverGroup.commandLine(pid)) holds a daemon socket")
            }

            // Killed while its driver works on the next batch.
            let runsStarted = first.output.components(separatedBy: "stages run started").count - 1
            try setup.insertOrders(2, branch: "kill-2")
            try first.waitForOutput("stages run started", occurrences: runsStarted + 1)
            first.signal(SIGKILL)
            #expect(try first.waitForExit() == 128 + SIGKILL)

            // At once, on the same port.
            let second = try ChildProcess(setup.medallion, ["run"], environment: environment)
            defer { second.signal(SIGKILL) }
            try second.waitForOutput("listening on 127.0.0.1:\(metricsPort)")
            try second.waitForOutput("caught up to bookmark")
            // The new driver starts once what the killed daemon left is gone.
            try second.waitForOutput("spark driver starting", timeout: 300)
            #expect(old.processes().isEmpty, "the old driver outlived its daemon: \(old.processes().map(DriverGroup.commandLine))")
            let new = try DriverGroup(in: setup.work)
            #expect(new.group != old.group)
            // Every process of this test's lake is the new daemon or its driver. The driver is
            // still starting (spark-submit's scripts fork and exit), so the processes are listed
            // first and the group after, and a process gone by then does not count.
            let running = LocalProcesses.mentioning(setup.work)
            let newProcesses = Set(new.processes() + [second.pid])
            let strangers = running.filter { line in
                guard let pid = Int32(line.prefix { $0 != ":" }), LocalProcesses.isAlive(pid) else { return false }
                return !newProcesses.contains(pid)
            }
            #expect(strangers.isEmpty, "\(strangers) among \(running)")

            // The killed daemon's silver lease holds up no writer: it is taken at once.
            let lease = SilverWriterLease(lake: LocalLake(root: setup.work + "/lake"), role: .refresh, logger: Logger(label: "test"))
            let hold = try lease.acquire(until: .now + .seconds(30), stopping: { false }, waiting: { holder in
                Issue.record("waited for \(holder.holderDescription)")
            })
            hold.release()
            second.signal(SIGTERM)
            #expect(try second.waitForExit(timeout: 120) == 0, "\(second.output)")
            try Poll.until("the Spark driver to be gone", timeout: 30) { LocalProcesses.mentioning(setup.work).isEmpty }
        }
    }

    /// With the daemon gone before its driver is ready, nothing but the kernel's
    /// parent-death signal ends the driver: it would otherwise warm up for many seconds.
    @Test func sigkillWhileTheDriverStartsEndsItAtOnce() async throws {
        try await offPool {
            let setup = try DaemonSetup()
            defer { setup.remove() }
            let daemon = try ChildProcess(setup.medallion, ["run"], environment: setup.environment())
            defer { daemon.signal(SIGKILL) }
            try daemon.waitForOutput("spark driver starting")
            let group = try DriverGroup(in: setup.work)
            defer { group.kill() }
            try Poll.until("the JVM to start the Python driver", timeout: 600) {
                group.processes().contains(where: group.isPythonDriver)
            }
            #expect(!daemon.output.contains("spark driver ready"))
            daemon.signal(SIGKILL)
            #expect(try daemon.waitForExit() == 128 + SIGKILL)
            do {
                try Poll.until("the driver's JVM and Python to die with the daemon", timeout: 30) { group.processes().isEmpty }
            } catch {
                Issue.record("left: \(group.processes().map(DriverGroup.commandLine))")
                throw error
            }
        }
    }
}

/// The Spark driver group a daemon recorded in its stage log directory
/// (`medallion-stages-<group>.pid`), and the processes that carry its marker.
private struct DriverGroup {
    let group: Int32
    let marker: String

    /// The one group recorded in `directory`.
    init(in directory: String) throws {
        let records = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasPrefix("medallion-stages-") && $0.hasSuffix(".pid") }
        guard records.count == 1 else { throw HarnessError("expected one driver group record in \(directory), found \(records)") }
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(records[0])"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let group = object["group"] as? Int, let marker = object["marker"] as? String else {
            throw HarnessError("unreadable driver group record \(records[0])")
        }
        self.group = Int32(group)
        self.marker = marker
    }

    /// The live processes whose environment carries this group's marker: the JVM, the
    /// Python driver, its workers.
    func processes() -> [Int32] {
        LocalProcesses.mentioning("MEDALLION_STAGE_GROUP=\(marker)").compactMap { Int32($0.prefix { $0 != ":" }) }
    }

    /// Whether `pid` is the Python driver (the JVM, and spark-submit's launcher before it,
    /// name the script in their arguments too).
    func isPythonDriver(_ pid: Int32) -> Bool {
        let arguments = Self.commandLine(pid).split(separator: " ")
        return pid != group && arguments.first?.split(separator: "/").last?.hasPrefix("python") == true
            && arguments.dropFirst().first?.hasSuffix("driver.py") == true && arguments.dropFirst(2).first == "serve"
    }

    /// Kills what is left of the group, so a failed test leaves no driver behind.
    func kill() {
        processes().forEach { _ = Glibc.kill($0, SIGKILL) }
    }

    static func commandLine(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// The socket inodes among `pid`'s descriptors.
    static func sockets(of pid: Int32) -> Set<String> {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Set(entries.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)") }
            .filter { $0.hasPrefix("socket:") })
    }
}
