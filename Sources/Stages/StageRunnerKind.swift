/// Which way the silver and gold Spark jobs are launched.
public enum StageRunnerKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// One long-lived `spark-submit --master local[*]` driver, reused for every run.
    case local
    /// One cold `spark-submit` per run (the fallback).
    case submit
    /// A Spark standalone master's REST submission API, one submission per run.
    case standalone
    /// No stages: capture only.
    case off

    /// Parses `local`, `submit`, `standalone` or `off` (any case).
    public init(parsing text: String) throws(StageError) {
        guard let kind = StageRunnerKind(rawValue: text.lowercased()) else {
            throw StageError(.invalidConfiguration,
                             message: "Stage runner \(text) is not one of local, submit, standalone, off.")
        }
        self = kind
    }

    public var description: String { rawValue }
}
