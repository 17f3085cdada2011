import Foundation
import Logging
import Testing
import TestSupport
@testable import Stages

/// The stage runner's files live in a private directory, and a name planted where they
/// go (another user's symbolic link, say) is never followed: not at the old predictable
/// paths in the temporary directory, and not in a directory given explicitly.
@Suite struct StateFileTests {
    @Test func theDefaultDirectoryIsPrivateAndTheOldTemporaryPathsAreLeftAlone() throws {
        let work = try Repository.temporaryDirectory("medallion-planted")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let victim = try Self.victim(in: work)
        // What another local user could plant in a shared /tmp, where these files used to go.
        for name in ["medallion-stages-submit.log", "medallion-stages-status.json", "medallion-spark-classes.jsa"] {
            try FileManager.default.createSymbolicLink(atPath: "\(work)/\(name)", withDestinationPath: victim)
        }
        let fake = try Self.fakeSparkSubmit(in: work)
        let result = try Command.run(try Repository.medallionExecutable(), ["refresh", "--stages", "submit"], environment: [
            "TMPDIR": work, "XDG_STATE_HOME": work + "/state", "MEDALLION_STAGE_LOG_DIR": "",
            "MEDALLION_LAKE": "file://\(work)/lake", "MEDALLION_SPARK_SUBMIT": fake,
            "MEDALLION_SPARK_JOBS": Repository.root + "/spark-jobs",
        ], check: false)
        #expect(result.status == 0, "\(result.error)\(result.output)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")

        let state = work + "/state/medallion"
        let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let log = try String(contentsOfFile: state + "/medallion-stages-submit.log", encoding: .utf8)
        #expect(log.contains("-XX:ArchiveClassesAtExit=\(state)/medallion-spark-classes.jsa.tmp-"), "\(log)")
        #expect(!log.contains("\(work)/medallion-spark-classes.jsa"), "\(log)")
        #expect(result.output.contains("log \(state)/medallion-stages-submit.log"), "\(result.output)")
    }

    @Test func plantedLinksInAnExplicitDirectoryAreNotFollowed() throws {
        let work = try Repository.temporaryDirectory("medallion-planted-explicit")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let victim = try Self.victim(in: work)
        var configuration = StageConfiguration(lakeURI: "file://\(work)/lake", runner: .submit)
        configuration.logDirectory = work

        // The log: the start fails and says why.
        try FileManager.default.createSymbolicLink(atPath: configuration.logPath, withDestinationPath: victim)
        let refused = #expect(throws: StageError.self) {
            _ = try SparkProcess("/bin/true", [], environment: [:], configuration: configuration)
        }
        #expect(refused?.message.contains("a symbolic link (not followed)") == true, "\(String(describing: refused))")

        // The status: written beside the link and renamed over it; a link is not read.
        let status = "\(work)/\(StageStatus.fileName)"
        try FileManager.default.createSymbolicLink(atPath: status, withDestinationPath: victim)
        #expect(throws: StageError.self) { try StageStatus.load(fromDirectory: work) }
        try StageStatus(runner: "submit", log: configuration.logPath).write(toDirectory: work)
        #expect(try StageStatus.load(fromDirectory: work)?.runner == "submit")
        #expect(try FileManager.default.attributesOfItem(atPath: status)[.type] as? FileAttributeType == .typeRegular)

        // The class archive: a link is neither mapped nor replaced.
        try FileManager.default.createSymbolicLink(atPath: configuration.classArchive!, withDestinationPath: victim)
        try FileManager.default.removeItem(atPath: configuration.logPath)
        configuration.sparkSubmit = try Self.fakeSparkSubmit(in: work)
        configuration.jobsDirectory = Repository.root + "/spark-jobs"
        _ = try SubmitRunner(configuration: configuration, logger: Logger(label: "test.planted")).run(id: 1, full: false)
        let log = try String(contentsOfFile: configuration.logPath, encoding: .utf8)
        #expect(log.contains("opts=-XX:TieredStopAtLevel=1"), "\(log)")
        #expect(!log.contains("Archive"), "\(log)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: configuration.classArchive!) == victim)

        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "untouched")
        // Nothing is created readable by others.
        for name in try FileManager.default.contentsOfDirectory(atPath: work) where name.hasPrefix("medallion-stages-") {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(work)/\(name)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
    }

    /// A file another user's link could point at.
    static func victim(in work: String) throws -> String {
        let path = work + "/victim"
        try "untouched".write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// A stand-in for `spark-submit` that logs its JVM options and writes the result the
    /// `submit` runner reads.
    static func fakeSparkSubmit(in work: String) throws -> String {
        let path = work + "/spark-submit"
        let script = """
            #!/bin/sh
            echo "opts=$SPARK_SUBMIT_OPTS"
            while [ $# -gt 0 ]; do [ "$1" = "--result-file" ] && result="$2"; shift; done
            echo '{"ok": true, "bronze_batch": 0, "batches": 0}' > "$result"
            """
        guard FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]) else {
            throw HarnessError("cannot write \(path)")
        }
        return path
    }
}
