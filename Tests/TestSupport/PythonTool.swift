import Foundation

/// Runs Python scripts with the project's virtualenv (pyarrow, duckdb, pyspark), the
/// independent readers the tests compare against.
///
/// The interpreter is `$MEDALLION_PYTHON` if set, else `<repo>/.venv/bin/python`. A missing
/// virtualenv or module is an error, never a skipped test.
public enum PythonTool {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Result: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The repository root, found relative to this source file.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }

    /// A script under `Tests/python/`.
    public static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/python").appendingPathComponent(name).path
    }

    /// The virtualenv's interpreter; throws if it does not exist.
    public static func python() throws -> String {
        let path = ProcessInfo.processInfo.environment["MEDALLION_PYTHON"]
            ?? repositoryRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "Python virtualenv not found at \(path): run scripts/setup (or set MEDALLION_PYTHON)")
        }
        return path
    }

    /// Throws a clear error naming the first module that cannot be imported.
    public static func requireModules(_ modules: [String]) throws {
        let check = "import importlib, sys\nfor m in sys.argv[1:]:\n    try: importlib.import_module(m)\n    except ImportError: print(m); sys.exit(3)\n"
        let result = try run(arguments: ["-c", check] + modules)
        guard result.exitCode == 0 else {
            throw Failure(description: "Python module '\(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))' is missing from \(try python()): run scripts/setup")
        }
    }

    /// Runs `python <script> <arguments>`; throws unless it exits 0.
    @discardableResult
    public static func runScript(_ script: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> Result {
        let result = try run(arguments: [script] + arguments, environment: environment)
        try check(result, what: script)
        return result
    }

    /// Variables that point `medallion`'s stage runner at the virtualenv's Spark and the
    /// repository's jobs, bound to loopback.
    public static func stageEnvironment() throws -> [String: String] {
        [
            "MEDALLION_SPARK_SUBMIT": Repository.root + "/.venv/bin/spark-submit",
            "MEDALLION_SPARK_JOBS": Repository.root + "/spark-jobs",
            "PYSPARK_PYTHON": try python(),
            "SPARK_LOCAL_IP": "127.0.0.1",
            // A loaded machine makes Spark slow, not wrong: runs are awaited, not timed.
            "MEDALLION_STAGE_TIMEOUT": "15m",
        ]
    }

    /// Runs a PySpark script with `spark-submit` from the virtualenv (local mode, loopback
    /// only), its driver JVM started with `jvmOptions` (default: `SparkTestJVM.options`).
    @discardableResult
    public static func sparkSubmit(_ script: String, _ arguments: [String] = [], jvmOptions: String? = nil) throws -> Result {
        let python = try python()
        let bin = URL(fileURLWithPath: python).deletingLastPathComponent()
        let submit = bin.appendingPathComponent("spark-submit").path
        guard FileManager.default.isExecutableFile(atPath: submit) else {
            throw Failure(description: "spark-submit not found at \(submit): run scripts/setup")
        }
        let environment = [
            "SPARK_LOCAL_IP": "127.0.0.1",
            "PYSPARK_PYTHON": python,
            "PYSPARK_DRIVER_PYTHON": python,
            "PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "SPARK_SUBMIT_OPTS": jvmOptions ?? SparkTestJVM.options,
        ]
        let result = try launch(submit, ["--master", "local[1]", script] + arguments, environment: environment)
        try check(result, what: "spark-submit \(script)")
        return result
    }

    /// Runs the interpreter with raw arguments and returns whatever happened.
    public static func run(arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try launch(try python(), arguments, environment: environment)
    }

    private static func check(_ result: Result, what: String) throws {
        guard result.exitCode == 0 else {
            var message = "\(what) exited with \(result.exitCode)"
            if result.stderr.contains("ModuleNotFoundError") || result.stderr.contains("No module named") {
                message += " (a Python module is missing: run scripts/setup)"
            }
            throw Failure(description: message + "\n" + String(result.stderr.suffix(4000)))
        }
    }

    private static func launch(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Result {
        // Output goes to temporary files, so large outputs cannot fill a pipe and deadlock.
        let result = try Command.run(executable, arguments, environment: environment, check: false)
        return Result(exitCode: result.status, stdout: result.output, stderr: result.error)
    }
}
