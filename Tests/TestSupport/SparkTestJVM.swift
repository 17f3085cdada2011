import Foundation

/// JVM options for the Spark drivers the tests start (`SPARK_SUBMIT_OPTS`): a
/// class-data-sharing archive of Spark's classes made once under `.build`, and for the
/// short jobs most tests run, the quick first JIT tier only. Together they take a cold
/// start from ~22 s to ~9 s here and its CPU to a third. A long job (JobCorrectnessTests,
/// minutes of Spark work) is slower without the optimising compiler (391 s against 338 s):
/// it takes `longJobOptions`. The product's runners choose their own options (see
/// `SubmitRunner.environment`).
///
/// `MEDALLION_TEST_SPARK_JVM=default` turns this off (Spark's own JVM defaults).
public enum SparkTestJVM {
    /// For short jobs: the archive and the first JIT tier; "" when turned off. Made on
    /// first use; an archive that cannot be made only costs speed, so it is left out then.
    public static let options: String = {
        guard !isOff else { return "" }
        return (["-XX:TieredStopAtLevel=1"] + archiveOption).joined(separator: " ")
    }()

    /// For jobs of minutes: the archive only.
    public static var longJobOptions: String {
        isOff ? "" : archiveOption.joined(separator: " ")
    }

    private static var isOff: Bool {
        ProcessInfo.processInfo.environment["MEDALLION_TEST_SPARK_JVM"] == "default"
    }

    private static let archiveOption: [String] = archive().map { ["-XX:SharedArchiveFile=\($0)"] } ?? []

    /// `environment` with the options added to any `SPARK_SUBMIT_OPTS` it has.
    public static func adding(to environment: [String: String]) -> [String: String] {
        guard !options.isEmpty else { return environment }
        var environment = environment
        environment["SPARK_SUBMIT_OPTS"] = ([options] + [environment["SPARK_SUBMIT_OPTS"]].compactMap { $0 }).joined(separator: " ")
        return environment
    }

    /// The archive, made by a small Spark job the first time; `nil` if that failed.
    private static func archive() -> String? {
        let path = Repository.root + "/.build/medallion-test-spark-classes.jsa"
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size > 0 { return path }
        do {
            let work = try Repository.temporaryDirectory("medallion-spark-classes")
            defer { try? FileManager.default.removeItem(atPath: work) }
            let partial = "\(work)/classes.jsa"
            try PythonTool.sparkSubmit(PythonTool.script("spark_class_warmup.py"), [work + "/lake"],
                                                    jvmOptions: "-XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit=\(partial)")
            // sparkSubmit throws unless the job exited 0; the JVM writes the archive as it exits.
            guard FileManager.default.fileExists(atPath: partial) else { return nil }
            // A rename: a concurrent test process never sees half an archive.
            guard rename(partial, path) == 0 else { return nil }
            return path
        } catch {
            FileHandle.standardError.write(Data("note: no Spark class archive for the tests (\(error)); Spark starts slower\n".utf8))
            return nil
        }
    }
}
