import Foundation
import Stages

/// Spark settings for tests: the repository's virtualenv, logs in `directory`.
public func testStageConfiguration(lake: String, runner: StageRunnerKind, logDirectory: String) throws -> StageConfiguration {
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
    if runner == .local { configuration.environment = SparkTestJVM.adding(to: configuration.environment) }
    guard FileManager.default.isExecutableFile(atPath: configuration.sparkSubmit) else {
        throw HarnessError("spark-submit not found at \(configuration.sparkSubmit): run scripts/setup")
    }
    return configuration
}
