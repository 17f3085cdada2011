/// What the stage runner is doing and how its last runs went, for logs and operators
/// (also written as JSON beside the runner's log: `medallion-stages-status.json`).
public struct StageStatus: Sendable, Codable, Equatable {
    /// `local`, `submit` or `standalone`.
    public var runner: String
    /// `idle`, `running`, `retrying` or `stopped`.
    public var state: String = "idle"
    /// The Spark driver's state in a few words (`warm (pid 123)`, `died (status 137)`).
    public var driver: String = "not started"
    /// Runs finished, successful or not.
    public var runs = 0
    /// Runs that failed, in total and in a row.
    public var failures = 0
    public var consecutiveFailures = 0
    /// The bronze batch the last successful run covered, and when it finished (ISO 8601).
    public var bronzeBatch: UInt64 = 0
    public var lastSuccessAt: String?
    /// Why the last failed run failed, and when.
    public var lastError: String?
    public var lastErrorAt: String?
    /// The driver's log file.
    public var log: String

    public init(runner: String, log: String) {
        self.runner = runner
        self.log = log
    }
}
