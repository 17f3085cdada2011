import Foundation
import Logging

/// Launches the silver→gold jobs one run at a time. Calls come from the stage
/// service's worker thread, except `shutdown`, which may come from any thread and must
/// make a run in flight end promptly.
protocol StageJobRunner: AnyObject, Sendable {
    /// Starts what can be started before the first request (the warm driver).
    func prepare()
    /// Runs silver then gold once, within the configured timeout.
    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport
    /// Ends any run in flight and any driver; no run starts afterwards.
    func shutdown()
    /// The driver's state in a few words, for logs and status.
    var driverState: String { get }
}

extension StageConfiguration {
    /// Makes the runner this configuration names (`off` has none).
    func makeRunner(logger: Logger) throws(StageError) -> (any StageJobRunner)? {
        switch runner {
        case .off: return nil
        case .local: return WarmDriverRunner(configuration: self, logger: logger)
        case .submit: return SubmitRunner(configuration: self, logger: logger)
        case .standalone: return try StandaloneRunner(configuration: self, logger: logger)
        }
    }

    /// The variables the `spark-submit` processes get besides the allowed part of the
    /// daemon's own (`ChildEnvironment`).
    var sparkEnvironment: [String: String] {
        var result = environment
        let bin = URL(fileURLWithPath: sparkSubmit).deletingLastPathComponent().path
        // pyspark's spark-submit finds its Spark home with the first python3 on PATH.
        result["PATH"] = bin + ":" + (inheritedEnvironment["PATH"] ?? "/usr/bin:/bin")
        if let python {
            result["PYSPARK_PYTHON"] = python
            result["PYSPARK_DRIVER_PYTHON"] = python
        }
        if inheritedEnvironment["SPARK_LOCAL_IP"] == nil && result["SPARK_LOCAL_IP"] == nil {
            result["SPARK_LOCAL_IP"] = "127.0.0.1"
        }
        return result
    }

    /// Checks that the driver script exists.
    func checkJobs() throws(StageError) {
        guard FileManager.default.fileExists(atPath: driverScript) else {
            throw StageError(.toolMissing, message: "The stage jobs are not at \(driverScript); set MEDALLION_SPARK_JOBS to the spark-jobs directory.")
        }
    }
}

/// The end of a log file, for error details.
func logTail(_ path: String, bytes: Int = 3000) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
    return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
}
