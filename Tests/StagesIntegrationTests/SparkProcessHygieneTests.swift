import Foundation
import Logging
import Testing
import TestSupport
@testable import Stages

/// What a Spark process inherits from the daemon and what becomes of it: only stdin,
/// stdout and stderr; a record (pid file) while it lives; a life as long as the
/// process's, not the starting thread's; and the start-up sweep of groups a dead owner
/// left, which spares anything not verifiably ours.
@Suite struct SparkProcessHygieneTests {
    /// A driver SIGKILLed during its warm-up leaves its scratch lake in TMPDIR (its
    /// `finally` never runs); the next driver's warm-up removes it, and nothing of a live
    /// driver or not named as a warm-up's (spark-jobs/tests/check_warm_up_cleanup.py).
    @Test func aKilledWarmUpsScratchLakeIsRemovedByTheNextDriver() throws {
        let work = try Repository.temporaryDirectory("medallion-warm-ups")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try PythonTool.runJSON(Repository.root + "/spark-jobs/tests/check_warm_up_cleanup.py", [work])
        let left = result["left"] as? [String] ?? []
        #expect(left.count == 3, "\(result)")
        #expect(!left.contains(result["dead"] as? String ?? "?"), "\(result)")
    }

    @Test func aSpawnedChildHasOnlyStandardDescriptors() throws {
        let work = try Repository.temporaryDirectory("medallion-spawn-fds")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // What a daemon holds without close-on-exec: a listening socket, a lake file, a pipe.
        let listener = try Self.listeningSocket()
        defer { close(listener) }
        let file = open(work + "/lake-file", O_WRONLY | O_CREAT, 0o644)
        defer { close(file) }
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { pipeEnds.forEach { close($0) } }
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC == 0 && fcntl(file, F_GETFD) & FD_CLOEXEC == 0)

        let configuration = Self.configuration(work)
        let process = try SparkProcess(Self.script(work, "exec sleep 600"), [], environment: [:], configuration: configuration)
        defer { process.terminate() }
        // Past setpriv and the script's shell, into sleep.
        try Poll.until("the child to exec sleep") { Self.commandLine(process.pid).hasPrefix("sleep") }

        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/fd").sorted()
        #expect(descriptors == ["0", "1", "2"], "\(Self.describe(process.pid))")

        // Its group is recorded beside the log, and it carries the record's marker.
        let records = try FileManager.default.contentsOfDirectory(atPath: work).filter { $0.hasPrefix("medallion-stages-") && $0.hasSuffix(".pid") }
        #expect(records.count == 1, "\(records)")
        let recordPath = "\(work)/\(records.first ?? "")"
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recordPath))) as? [String: Any]
        #expect(record?["group"] as? Int == Int(process.pid))
        #expect((record?["owner"] as? [String: Any])?["pid"] as? Int == Int(getpid()))
        let marker = try #require(record?["marker"] as? String)
        #expect(LocalProcess.environment(of: process.pid, contains: "MEDALLION_STAGE_GROUP=\(marker)"))
        #expect(LocalProcess.stat(process.pid)?.group == process.pid, "a group of its own")

        process.terminate()
        #expect(process.status == 128 + SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: recordPath), "the record goes with the group")
    }

    /// A child gets the allowed part of the daemon's environment: Spark's settings, never
    /// a password, the DSN or the WebHDFS token.
    @Test func aSpawnedChildGetsNoSecretFromTheEnvironment() throws {
        let work = try Repository.temporaryDirectory("medallion-spawn-env")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var configuration = Self.configuration(work)
        let secrets = ["PGPASSWORD": "pg-\(UUID())", "MEDALLION_DSN": "host=db password=dsn-\(UUID())",
                       "MEDALLION_HDFS_TOKEN": "hdfs-\(UUID())", "PGSERVICEFILE": "/etc/service-\(UUID())",
                       "AWS_SECRET_ACCESS_KEY": "aws-\(UUID())"]
        configuration.inheritedEnvironment = secrets.merging([
            "PATH": "/usr/bin:/bin", "SPARK_HOME": "/opt/spark", "PYSPARK_PYTHON": "/usr/bin/python3", "LC_ALL": "C.UTF-8",
        ]) { $1 }
        let process = try SparkProcess(Self.script(work, "exec sleep 600"), [], environment: ["SPARK_LOCAL_IP": "127.0.0.1"],
                                       configuration: configuration)
        defer { process.terminate() }
        try Poll.until("the child to exec sleep") { Self.commandLine(process.pid).hasPrefix("sleep") }
        let environ = String(decoding: FileManager.default.contents(atPath: "/proc/\(process.pid)/environ") ?? Data(), as: UTF8.self)
        let names = Set(environ.split(separator: "\0").map { String($0.prefix { $0 != "=" }) })
        // (The shell may add its own PWD before it execs sleep.)
        #expect(names.subtracting(["PWD", "SHLVL", "_"]) == ["PATH", "SPARK_HOME", "PYSPARK_PYTHON", "LC_ALL", "SPARK_LOCAL_IP", "MEDALLION_STAGE_GROUP"],
                "\(names)")
        for (name, value) in secrets {
            #expect(!environ.contains(value), "\(name) reached the child")
        }
    }

    /// The parent-death signal fires when the thread that forked a child ends; a driver
    /// started from a thread that ends before the runner must live on.
    @Test func aChildOutlivesTheThreadThatAskedForIt() throws {
        let work = try Repository.temporaryDirectory("medallion-spawn-thread")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let configuration = Self.configuration(work)
        // Exits 0 on SIGUSR1; SIGKILL (a parent-death signal) would make it 137.
        let script = Self.script(work, "trap 'exit 0' USR1\necho ready\nwhile :; do sleep 600 & wait $!; done")
        let started = DispatchSemaphore(value: 0)
        let spawned = Spawned()
        Thread {
            spawned.task = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            spawned.process = Result { () throws(StageError) in
                try SparkProcess(script, [], environment: [:], configuration: configuration)
            }
            // Once the shell runs, setpriv has set the parent-death signal.
            _ = try? Poll.until("the script to start") {
                (try? String(contentsOfFile: configuration.logPath, encoding: .utf8))?.contains("ready") == true
            }
            started.signal()
        }.start()
        started.wait()
        let process = try #require(try spawned.process?.get())
        defer { process.terminate() }
        // The thread is gone from the process once its exit (and any signal it sends) is done.
        #expect(spawned.task.contains("/task/"))
        try Poll.until("the starting thread to end") { !FileManager.default.fileExists(atPath: "/proc/\(spawned.task)") }

        kill(process.pid, SIGUSR1)
        #expect(process.wait(until: .now + .seconds(30)) == 0, "the child was killed when its starting thread ended")
    }

    @Test func leftoverGroupsOfADeadOwnerAreKilledAndNothingElse() throws {
        let work = try Repository.temporaryDirectory("medallion-leftovers")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A process we started once that still runs, and the same pid now started anew: gone.
        let deadOwner = LocalProcess(pid: getpid(), startTime: (LocalProcess.current.startTime ?? 0) + 1)
        #expect(!deadOwner.isAlive)

        // 1. A group a dead owner left: a leader and a member it forked, both marked.
        let orphanMarker = UUID().uuidString
        let orphan = try ChildProcess("/usr/bin/setsid", ["/bin/sh", "-c", "sleep 600 & exec sleep 601"],
                                      environment: ["MEDALLION_STAGE_GROUP": orphanMarker])
        defer { orphan.signal(SIGKILL) }
        try Poll.until("the orphan's member to start") { LocalProcesses.mentioning(orphanMarker).count == 2 }
        let orphanRecord = try Self.record(group: orphan.pid, marker: orphanMarker, owner: deadOwner, in: work)
        // 2. A recorded group whose pid now belongs to a stranger (no marker, or another one).
        let stranger = try ChildProcess("/usr/bin/setsid", ["sleep", "600"], environment: ["MEDALLION_STAGE_GROUP": "someone-else"])
        defer { stranger.signal(SIGKILL) }
        let strangerRecord = try Self.record(group: stranger.pid, marker: UUID().uuidString, owner: deadOwner, in: work)
        // 3. A group whose owner still runs (a refresh beside the daemon).
        let liveMarker = UUID().uuidString
        let owned = try ChildProcess("/usr/bin/setsid", ["sleep", "600"], environment: ["MEDALLION_STAGE_GROUP": liveMarker])
        defer { owned.signal(SIGKILL) }
        let ownedRecord = try Self.record(group: owned.pid, marker: liveMarker, owner: .current, in: work)
        try Poll.until("the three groups to run") {
            [orphan.pid, stranger.pid, owned.pid].allSatisfy { LocalProcess.stat($0)?.group == $0 && Self.commandLine($0).hasPrefix("sleep") }
        }

        let killed = SparkGroupFile.endLeftovers(in: work, logger: Logger(label: "test.leftovers"))
        #expect(killed == [orphan.pid])
        #expect(try orphan.waitForExit(timeout: 10) == 128 + SIGKILL)
        #expect(LocalProcesses.mentioning(orphanMarker).isEmpty, "the member forked into the group is gone too")
        #expect(LocalProcesses.isAlive(stranger.pid) && LocalProcesses.isAlive(owned.pid))
        #expect(!FileManager.default.fileExists(atPath: orphanRecord))
        #expect(!FileManager.default.fileExists(atPath: strangerRecord), "a record whose group is not ours is dropped")
        #expect(FileManager.default.fileExists(atPath: ownedRecord), "a live owner keeps its record")
    }

    // MARK: - Helpers

    static func configuration(_ work: String) -> StageConfiguration {
        var configuration = StageConfiguration(lakeURI: "file://\(work)/lake", runner: .local)
        configuration.logDirectory = work
        return configuration
    }

    /// An executable shell script in `work` with `body`.
    static func script(_ work: String, _ body: String) -> String {
        let path = "\(work)/child-\(UUID().uuidString.prefix(8)).sh"
        _ = FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\n\(body)\n".utf8), attributes: [.posixPermissions: 0o755])
        return path
    }

    /// Writes a group record as a daemon would; returns its path.
    static func record(group: Int32, marker: String, owner: LocalProcess, in directory: String) throws -> String {
        var record = SparkGroupFile(runner: "local")
        record.group = group
        record.marker = marker
        record.owner = owner
        try record.write(toDirectory: directory)
        return SparkGroupFile.path(directory: directory, marker: marker)
    }

    static func commandLine(_ pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    /// `fd -> target` for each descriptor of `pid`, for failure messages.
    static func describe(_ pid: Int32) -> String {
        let directory = "/proc/\(pid)/fd"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.sorted().map { "\($0) -> \((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\($0)")) ?? "?")" }
            .joined(separator: ", ")
    }

    /// A TCP socket listening on 127.0.0.1, without close-on-exec.
    static func listeningSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 1) == 0 else { throw HarnessError("cannot listen on 127.0.0.1") }
        return fd
    }
}

/// What the starting thread hands back.
private final class Spawned: @unchecked Sendable {
    /// `<pid>/task/<tid>` of the thread, under /proc.
    var task = ""
    var process: Result<SparkProcess, StageError>?
}
