import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the Spark tools and the job scripts when they are not configured.
public enum SparkTools {
    /// `MEDALLION_SPARK_JOBS`, else the first `spark-jobs/` directory above the running
    /// executable (a build tree inside the repository), else `./spark-jobs`.
    public static func jobsDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["MEDALLION_SPARK_JOBS"], !path.isEmpty { return path }
        if let found = searchUpwards("spark-jobs/driver.py") { return found + "/spark-jobs" }
        return FileManager.default.currentDirectoryPath + "/spark-jobs"
    }

    /// `MEDALLION_SPARK_SUBMIT`, else `$SPARK_HOME/bin/spark-submit`, else the first on
    /// `PATH`, else the repository's `.venv/bin/spark-submit` (what scripts/setup installs).
    public static func sparkSubmit(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["MEDALLION_SPARK_SUBMIT"], !path.isEmpty { return path }
        if let home = environment["SPARK_HOME"], !home.isEmpty { return home + "/bin/spark-submit" }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/spark-submit"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if let found = searchUpwards(".venv/bin/spark-submit") { return found + "/.venv/bin/spark-submit" }
        return "spark-submit"
    }

    /// `PYSPARK_PYTHON` if set; else the `python3` beside `spark-submit` (a virtualenv's
    /// pyspark needs its own interpreter); else `nil`.
    public static func python(besides sparkSubmit: String,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let path = environment["PYSPARK_PYTHON"], !path.isEmpty { return path }
        let candidate = URL(fileURLWithPath: sparkSubmit).deletingLastPathComponent().appendingPathComponent("python3").path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Where the stage runner keeps its log, status and other files: `MEDALLION_STAGE_LOG_DIR`,
    /// else `$XDG_STATE_HOME/medallion`, else `~/.local/state/medallion`; a private
    /// directory (created 0700), never the shared temporary directory, where another user
    /// could plant the names it uses.
    public static func logDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["MEDALLION_STAGE_LOG_DIR"], !path.isEmpty { return trimmed(path) }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return trimmed(state) + "/medallion" }
        let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? getpwuid(geteuid()).map { String(cString: $0.pointee.pw_dir) } ?? "/"
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/medallion").path
    }

    private static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The first directory at or above the executable's that contains `relativePath`.
    static func searchUpwards(_ relativePath: String) -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(relativePath).path) {
                return directory.path
            }
            directory.deleteLastPathComponent()
        }
        return nil
    }
}
