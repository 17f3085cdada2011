import Foundation

/// What the stage runner is doing and how its last runs went, for logs and operators
/// (also written as JSON beside the runner's log: `medallion-stages-status.json`).
public struct StageStatus: Sendable, Codable, Equatable {
    /// The file name of the status in the stage log directory.
    public static let fileName = "medallion-stages-status.json"

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
    /// How the last run ended (`succeeded`, `failed`, or `cancelled` by shutdown), when it
    /// finished (ISO 8601) and how long it took, queueing excluded. Cancelled runs are not
    /// counted in `runs` or `failures`.
    public var lastRunOutcome: String?
    public var lastRunAt: String?
    public var lastRunDurationSeconds: Double?
    /// When this status was written (ISO 8601).
    public var updatedAt: String?

    public init(runner: String, log: String) {
        self.runner = runner
        self.log = log
    }

    /// The status a stage service last wrote into `directory`, or `nil` when there is none.
    public static func load(fromDirectory directory: String) throws(StageError) -> StageStatus? {
        let path = "\(directory)/\(fileName)"
        let contents: Data?
        do {
            contents = try StateFile.read(path)
        } catch {
            throw StageError(.invalidConfiguration, message: "Cannot read the stage status \(error.description).")
        }
        guard let data = contents else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(StageStatus.self, from: data)
        } catch {
            throw StageError(.invalidConfiguration,
                             message: "\(path) is not a stage status file; remove it (the daemon rewrites it).", detail: "\(error)")
        }
    }

    /// Writes this status atomically into `directory` (as `medallion-stages-status.json`).
    func write(toDirectory directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try StateFile.writeAtomically(encoder.encode(self), to: "\(directory)/\(Self.fileName)")
    }
}
