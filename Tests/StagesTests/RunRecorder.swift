import Foundation
import Stages
import TestSupport

/// Collects a stage service's run results so a test can await the next one.
final class RunRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Result<StageRunReport, StageError>] = []

    var callback: @Sendable (Result<StageRunReport, StageError>) -> Void {
        { [self] result in condition.withLock { results.append(result); condition.broadcast() } }
    }

    /// Waits for run number `index` (1-based) and returns its result.
    func await(_ index: Int, timeout: Double = 1200) throws -> Result<StageRunReport, StageError> {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while results.count < index {
            guard condition.wait(until: deadline) else { throw HarnessError("run \(index) did not finish within \(timeout)s") }
        }
        return results[index - 1]
    }

    /// Waits for the next successful run after `index` and returns its number and report.
    func awaitSuccess(after index: Int, timeout: Double = 1200) throws -> (Int, StageRunReport) {
        var next = index + 1
        while true {
            if case .success(let report) = try self.await(next, timeout: timeout) { return (next, report) }
            next += 1
        }
    }
}

/// Spark settings for tests: the repository's virtualenv, logs in `directory`.
func testStageConfiguration(lake: String, runner: StageRunnerKind, logDirectory: String) throws -> StageConfiguration {
    var configuration = StageConfiguration(lakeURI: "file://" + lake, runner: runner)
    configuration.sparkSubmit = Repository.root + "/.venv/bin/spark-submit"
    configuration.python = try PythonTool.python()
    configuration.jobsDirectory = Repository.root + "/spark-jobs"
    configuration.logDirectory = logDirectory
    configuration.initialBackoff = .milliseconds(100)
    // A loaded machine makes Spark slow, not wrong: a run ends (and is awaited) well
    // before the harness gives up on it.
    configuration.timeout = .seconds(900)
    configuration.environment["SPARK_LOCAL_IP"] = "127.0.0.1"
    guard FileManager.default.isExecutableFile(atPath: configuration.sparkSubmit) else {
        throw HarnessError("spark-submit not found at \(configuration.sparkSubmit): run scripts/setup")
    }
    return configuration
}
