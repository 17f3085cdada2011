import Foundation
import Lake

/// How the stage runner launches the silver and gold jobs.
public struct StageConfiguration: Sendable {
    /// Which runner launches the jobs.
    public var runner: StageRunnerKind = .local
    /// The lake root as Spark sees it: `file:///abs/path` or `hdfs://namenode:8020/path`.
    public var lakeURI: String
    /// The lake as the daemon sees it: for gold's marker, and for the silver writer lease
    /// every run holds (`SilverWriterLease`); without it, runs take no lease.
    public var lake: (any LakeStorage)?
    /// The directory holding `driver.py`, `silver.py`, `gold.py` and `lakefs.py`.
    public var jobsDirectory: String
    /// `spark-submit` for the `local` and `submit` runners.
    public var sparkSubmit: String
    /// The Python that runs the jobs (`PYSPARK_PYTHON`); `nil` keeps Spark's choice.
    public var python: String?
    /// The standalone master's REST submission endpoint: `spark://host:6066` or `http://host:6066`.
    public var sparkMaster: String?
    /// A run (or a driver's start, unless `startTimeout` is set) that takes longer is
    /// killed and counts as failed.
    public var timeout: Duration = .seconds(180)
    /// How long the `local` runner's warm driver may take to start; `nil` means `timeout`.
    /// A JVM's cold start on a busy machine can take far longer than a run on a warm one.
    public var startTimeout: Duration?
    /// Where each runner appends its driver's output: `medallion-stages-<runner>.log`.
    public var logDirectory: String
    /// The first retry delay after a failed run; doubles per consecutive failure.
    public var initialBackoff: Duration = .seconds(1)
    /// The longest retry delay.
    public var maxBackoff: Duration = .seconds(60)
    /// How often a standalone submission's status is polled.
    public var statusPollInterval: Duration = .milliseconds(250)
    /// Variables added to the Spark processes' environment.
    public var environment: [String: String] = [:]
    /// The environment Spark processes take their allowed variables from (`ChildEnvironment`).
    var inheritedEnvironment = ProcessInfo.processInfo.environment
    /// `MEDALLION_SPARK_CLASS_ARCHIVE`: where the `submit` runner keeps the driver JVM's
    /// class-data-sharing archive, or `off`; empty means `<logDirectory>/medallion-spark-classes.jsa`.
    public var classArchiveSetting: String? = ProcessInfo.processInfo.environment["MEDALLION_SPARK_CLASS_ARCHIVE"]

    /// A configuration with the tools found the usual way (see `SparkTools`).
    public init(lakeURI: String, runner: StageRunnerKind = .local) {
        self.lakeURI = lakeURI
        self.runner = runner
        jobsDirectory = SparkTools.jobsDirectory()
        sparkSubmit = SparkTools.sparkSubmit()
        python = SparkTools.python(besides: sparkSubmit)
        logDirectory = SparkTools.logDirectory()
    }

    /// How long a warm driver's start may take.
    var driverStartTimeout: Duration {
        startTimeout ?? timeout
    }

    /// The log file of this configuration's runner.
    public var logPath: String {
        "\(logDirectory)/medallion-stages-\(runner.rawValue).log"
    }

    /// The class-data-sharing archive cold `submit` runs use, or `nil` when turned off.
    var classArchive: String? {
        switch classArchiveSetting {
        case "off": nil
        case let path? where !path.isEmpty: path
        default: "\(logDirectory)/medallion-spark-classes.jsa"
        }
    }

    /// Creates the log directory (0700) when it is missing; refuses one other users may
    /// write in (see `StateFile.prepareDirectory`).
    func prepareLogDirectory() throws(StageError) {
        do {
            try StateFile.prepareDirectory(logDirectory)
        } catch {
            throw StageError(.invalidConfiguration, message: "Cannot use the stage log directory \(error); set MEDALLION_STAGE_LOG_DIR to a directory of your own.")
        }
    }

    /// The warm/cold driver script.
    var driverScript: String { "\(jobsDirectory)/driver.py" }
}
