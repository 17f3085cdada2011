import Foundation
import Lake
import Logging
import Testing
import TestSupport
@testable import Stages

/// `medallion refresh` and the daemon's stage runner never write silver together, as
/// real processes: a stand-in for spark-submit records each run's start and end, notes
/// any run that starts while another is writing, and holds "silver" until the test
/// opens its gate.
@Suite(.serialized) struct SilverWriterExclusionTests {
    @Test func refreshWaitsForTheHolderAndRefusesAfterItsTimeout() async throws {
        try await offPool {
            let fake = try FakeSpark()
            defer { fake.remove() }
            let lake = fake.work + "/lake"
            let environment = fake.environment(role: "refresh").merging([
                "MEDALLION_LAKE": "file://" + lake, "MEDALLION_STAGE_LOG_DIR": fake.work,
            ]) { $1 }
            let medallion = try Repository.medallionExecutable()
            // The daemon's runner, as far as the lake can tell: this live process holds the lease.
            let held = try SilverWriterLease(lake: LocalLake(root: lake), role: .daemon, logger: Logger(label: "test"))
                .acquire(until: nil, stopping: { false }, waiting: { _ in })
            defer { held.release() }
            let holder = "the daemon's stage runner on \(ProcessInfo.processInfo.hostName) pid \(getpid())"

            var short = environment
            short["MEDALLION_STAGE_TIMEOUT"] = "1s"
            let refused = try Command.run(medallion, ["refresh", "--stages", "submit"], environment: short, check: false)
            #expect(refused.status != 0)
            #expect(refused.error.contains("silver and gold are being written by \(holder)"), "\(refused.error)")
            #expect(refused.error.contains("waiting up to 1.0 seconds"), "\(refused.error)")
            #expect(refused.error.contains("Silver and gold are still being written by \(holder)"), "\(refused.error)")
            #expect(fake.events.isEmpty, "the refused refresh started Spark: \(fake.events)")

            let waiting = try ChildProcess(medallion, ["refresh", "--stages", "submit"], environment: environment)
            defer { waiting.signal(SIGKILL) }
            try waiting.waitForOutput("silver and gold are being written by \(holder)")
            #expect(fake.events.isEmpty)
            held.release()
            #expect(try waiting.waitForExit(timeout: 60) == 0, "\(waiting.output)")
            #expect(fake.events == ["start refresh", "end refresh"])
            #expect(fake.overlaps.isEmpty)
        }
    }

    @Test func theDaemonAndARefreshTakeTurns() async throws {
        try await offPool {
            let fake = try FakeSpark(gated: ["daemon", "refresh"])
            defer { fake.remove() }
            let setup = try DaemonSetup()
            defer { setup.remove() }
            let environment = setup.environment(["MEDALLION_STAGES": "submit"]).merging(fake.environment(role: "daemon")) { $1 }
            let daemon = try ChildProcess(setup.medallion, ["run"], environment: environment)
            defer { daemon.signal(SIGKILL) }

            // 1. The daemon's catch-up run writes; a refresh started meanwhile waits for it.
            try daemon.waitForOutput("stages run started")
            let refresh = try ChildProcess(setup.medallion, ["refresh", "--stages", "submit"],
                                           environment: environment.merging(fake.environment(role: "refresh")) { $1 })
            defer { refresh.signal(SIGKILL) }
            try refresh.waitForOutput("silver and gold are being written by the daemon's stage runner")
            try fake.open("daemon")
            try daemon.waitForOutput("stages run finished")

            // 2. The refresh writes; the daemon's next run (a new batch) waits for it.
            try Poll.until("the refresh's run to start") { fake.events.last == "start refresh" }
            try setup.insertOrders(2, branch: "turns")
            try daemon.waitForOutput("stages run waiting: silver and gold are being written by medallion refresh")
            try fake.open("refresh")
            #expect(try refresh.waitForExit(timeout: 60) == 0, "\(refresh.output)")

            // 3. Then the daemon's run goes ahead.
            try daemon.waitForOutput("stages run started", occurrences: 2)
            try fake.open("daemon")
            try daemon.waitForOutput("stages run finished", occurrences: 2)
            #expect(fake.events.prefix(6) == ["start daemon", "end daemon", "start refresh", "end refresh", "start daemon", "end daemon"])
            #expect(fake.overlaps.isEmpty, "runs overlapped: \(fake.overlaps)")
            daemon.signal(SIGTERM)
            #expect(try daemon.waitForExit(timeout: 60) == 0, "\(daemon.output)")
        }
    }
}

/// A stand-in for `spark-submit` (the `submit` runner's), one script per role (a Spark
/// child gets none of the test's variables): appends `start <role>` and `end <role>` to
/// `events`, `<role>` to `overlaps` when it starts while another run is writing, and, for
/// a gated role, waits between the two until the test opens its gate (a FIFO). Then it
/// writes the result file the runner reads.
private struct FakeSpark {
    let work: String

    init(gated roles: [String] = []) throws {
        work = try Repository.temporaryDirectory("medallion-fake-spark")
        for role in roles where mkfifo("\(work)/gate-\(role)", 0o600) != 0 {
            throw HarnessError("mkfifo failed")
        }
        for role in ["daemon", "refresh"] {
            let script = """
                #!/bin/sh
                result=""
                while [ $# -gt 0 ]; do [ "$1" = "--result-file" ] && result="$2"; shift; done
                mkdir "\(work)/writing" 2>/dev/null || echo "\(role)" >> "\(work)/overlaps"
                echo "start \(role)" >> "\(work)/events"
                gate="\(work)/gate-\(role)"
                if [ -p "$gate" ]; then read line < "$gate"; fi
                echo "end \(role)" >> "\(work)/events"
                rmdir "\(work)/writing"
                echo '{"ok": true, "bronze_batch": 0, "batches": 0}' > "$result"
                """
            let path = executable(role)
            guard FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]) else {
                throw HarnessError("cannot write \(path)")
            }
        }
    }

    func executable(_ role: String) -> String { "\(work)/spark-submit-\(role)" }

    func environment(role: String) -> [String: String] {
        [
            "MEDALLION_SPARK_SUBMIT": executable(role), "MEDALLION_SPARK_JOBS": Repository.root + "/spark-jobs",
            "MEDALLION_SPARK_CLASS_ARCHIVE": "off",
        ]
    }

    var events: [String] { lines("events") }
    var overlaps: [String] { lines("overlaps") }

    /// Lets the waiting run of `role` end, once it waits at its gate.
    func open(_ role: String) throws {
        let gate = "\(work)/gate-\(role)"
        let fd = try Poll.until("the \(role) run to wait at its gate") { () -> Int32? in
            let fd = Glibc.open(gate, O_WRONLY | O_NONBLOCK)  // fails until the run opens it to read
            return fd >= 0 ? fd : nil
        }
        defer { close(fd) }
        _ = write(fd, "go\n", 3)
    }

    func remove() { try? FileManager.default.removeItem(atPath: work) }

    private func lines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: "\(work)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
