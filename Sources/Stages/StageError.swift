/// A failure of a silver→gold run or of the runner's set-up, with a message that says
/// what to fix. `description` is safe to log; `debugDescription` adds the detail.
public struct StageError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration, toolMissing, driverStart, driverDied, timeout, jobFailed, submission, goldUnreadable, busy, lake
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A flag or environment variable has a value that cannot work.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// spark-submit or the job scripts are not where they were looked for.
        public static let toolMissing = Code(.toolMissing)
        /// The Spark driver could not be started.
        public static let driverStart = Code(.driverStart)
        /// The Spark driver exited while a run was in flight.
        public static let driverDied = Code(.driverDied)
        /// A run (or the driver's start) took longer than the stage timeout and was killed.
        public static let timeout = Code(.timeout)
        /// The jobs ran and reported a failure.
        public static let jobFailed = Code(.jobFailed)
        /// The Spark master refused or lost a submission.
        public static let submission = Code(.submission)
        /// Gold's marker (`gold/_marker.json`) could not be read or parsed.
        public static let goldUnreadable = Code(.goldUnreadable)
        /// Another stage run (the daemon's, or a `refresh`) kept writing silver and gold
        /// for longer than this one would wait.
        public static let busy = Code(.busy)
        /// The lake could not be read or written for the silver writer lease.
        public static let lake = Code(.lake)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// One sentence for the operator.
    public var message: String
    /// More detail (driver output, HTTP bodies) for logs at debug level.
    public var detail: String?

    public init(_ code: Code, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    /// A driver start refused or ended because the runner is stopping.
    static var shuttingDown: StageError { StageError(.driverStart, message: "The stage runner is shutting down.") }

    public var description: String { message }

    public var debugDescription: String {
        detail.map { "\(code): \(message)\n\($0)" } ?? "\(code): \(message)"
    }
}
