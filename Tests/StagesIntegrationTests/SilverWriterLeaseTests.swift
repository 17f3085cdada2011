import Foundation
import Lake
import Logging
import Testing
import TestSupport
@testable import Stages

/// The silver writer lease on a local lake and on WebHDFS (the protocol double): a
/// holder keeps other writers waiting, a release lets the next one in at once, a dead
/// holder's claim does not block, and writers racing for it never hold it together.
@Suite struct SilverWriterLeaseTests {
    @Test func oneWriterAtATimeOnALocalLake() async throws {
        try await offPool {
            let work = try Repository.temporaryDirectory("medallion-lease")
            defer { try? FileManager.default.removeItem(atPath: work) }
            try Self.checkExclusion(LocalLake(root: work + "/lake"))
        }
    }

    @Test func oneWriterAtATimeOnWebHDFS() async throws {
        try await offPool {
            let directory = try Repository.temporaryDirectory("medallion-lease-webhdfs")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let double = try ChildProcess(try PythonTool.python(), [PythonTool.script("webhdfs_double.py"), "--root", directory + "/hdfs"],
                                          environment: [:])
            defer { double.signal(SIGKILL) }
            try double.waitForOutput("webhdfs-double ready")
            let ready = double.output.split(separator: "\n").first { $0.hasPrefix("webhdfs-double ready") } ?? ""
            let namenodes = ready.split(separator: " ").first { $0.hasPrefix("namenodes=") }?.dropFirst("namenodes=".count)
            let port = try #require(namenodes?.split(separator: ",").first.flatMap { Int($0) }, "\(ready)")
            let lake = WebHDFSLake(configuration: .init(namenodes: [.init(host: "127.0.0.1", port: port)], root: "/lake", user: "medallion"))
            try Self.checkExclusion(lake)
        }
    }

    static func checkExclusion(_ lake: any LakeStorage) throws {
        let logger = Logger(label: "test.lease")
        let daemon = SilverWriterLease(lake: lake, role: .daemon, logger: logger)
        let refresh = SilverWriterLease(lake: lake, role: .refresh, logger: logger)
        let neverWaits: (SilverWriterLease.Claim) -> Void = { Issue.record("waited for \($0.holderDescription)") }

        // 1. While the daemon's run holds it, a refresh waits, is told who holds it, and
        //    gives up at its deadline with a message naming the holder.
        let held = try daemon.acquire(until: nil, stopping: { false }, waiting: neverWaits)
        var told: [String] = []
        do {
            _ = try refresh.acquire(until: .now + .milliseconds(700), stopping: { false }, waiting: { told.append($0.holderDescription) })
            Issue.record("a second writer took the lease while it was held")
        } catch {
            #expect(error.code == .busy)
            #expect(error.message.contains("the daemon's stage runner on \(ProcessInfo.processInfo.hostName) pid \(getpid())"), "\(error.message)")
        }
        #expect(told.count == 1, "\(told)")
        do {
            _ = try refresh.acquire(until: nil, stopping: { true }, waiting: { _ in })
            Issue.record("a stopping writer took the lease")
        } catch {
            #expect(error.message == StageError.shuttingDown.message)
        }

        // 2. Released: the next writer takes it at once, and only its claim is left.
        held.release()
        let next = try refresh.acquire(until: .now + .seconds(30), stopping: { false }, waiting: neverWaits)
        #expect(try lake.list(SilverWriterLease.directory).filter { !$0.name.hasPrefix(".") }.count == 1)
        next.release()
        #expect(try lake.list(SilverWriterLease.directory).filter { !$0.name.hasPrefix(".") }.isEmpty)

        // 3. The claim of a writer that died (this host, its process gone) or stopped
        //    renewing does not block the next one, and is removed.
        var gone = SilverWriterLease.Claim(token: "gone", role: "medallion refresh", host: ProcessInfo.processInfo.hostName,
                                           process: LocalProcess(pid: getpid(), startTime: (LocalProcess.current.startTime ?? 0) + 1),
                                           startedAt: "earlier", renewedAt: SilverWriterLease.now)
        try lake.writeAtomically("\(SilverWriterLease.directory)/gone.json", data: gone.encoded())
        gone.token = "silent"
        gone.host = "another-host"
        gone.renewedAt = SilverWriterLease.now - SilverWriterLease.leaseDuration - 1
        try lake.writeAtomically("\(SilverWriterLease.directory)/silent.json", data: gone.encoded())
        let afterCrash = try daemon.acquire(until: .now + .seconds(30), stopping: { false }, waiting: neverWaits)
        #expect(try lake.list(SilverWriterLease.directory).map(\.name).filter { !$0.hasPrefix(".") }.count == 1)
        afterCrash.release()

        // 4. Writers that all try at the same moment, round after round, hold it one at a time.
        let writers = 3, rounds = 4
        let start = Barrier(writers)
        let inside = Counter()
        let failures = Counter()
        let done = DispatchGroup()
        for index in 0..<writers {
            done.enter()
            Thread {
                defer { done.leave() }
                let lease = SilverWriterLease(lake: lake, role: index == 0 ? .refresh : .daemon, logger: logger)
                for _ in 0..<rounds {
                    start.wait()
                    do {
                        let hold = try lease.acquire(until: .now + .seconds(60), stopping: { false }, waiting: { _ in })
                        inside.enter()
                        // A write under the lease, as a run's would be.
                        try? lake.writeAtomically("silver/probe-\(index)", data: Array("\(index)".utf8))
                        inside.leave()
                        hold.release()
                    } catch {
                        failures.enter()
                    }
                }
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success, "the writers did not finish")
        #expect(inside.maximum == 1, "writers held the lease together")
        #expect(inside.total == writers * rounds && failures.total == 0, "\(inside.total) runs, \(failures.total) failures")
    }
}

/// Lets `count` threads through together, round after round.
private final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int
    private var waiting = 0
    private var round = 0

    init(_ count: Int) { self.count = count }

    func wait() {
        condition.withLock {
            let current = round
            waiting += 1
            if waiting == count {
                waiting = 0
                round += 1
                condition.broadcast()
            } else {
                while round == current { condition.wait() }
            }
        }
    }
}

/// How many threads are inside at once (and at most), and how many entered in all.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private var peak = 0
    private var entered = 0

    func enter() {
        lock.withLock {
            current += 1
            entered += 1
            peak = max(peak, current)
        }
    }

    func leave() { lock.withLock { current -= 1 } }
    var maximum: Int { lock.withLock { peak } }
    var total: Int { lock.withLock { entered } }
}
