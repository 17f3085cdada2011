import Foundation
import Stages

/// Collects a stage service's run results so a test can await the next one.
public final class RunRecorder: @unchecked Sendable {
    public init() {}

    private let condition = NSCondition()
    private var results: [Result<StageRunReport, StageError>] = []

    public var callback: @Sendable (Result<StageRunReport, StageError>) -> Void {
        { [self] result in condition.withLock { results.append(result); condition.broadcast() } }
    }

    /// Waits for run number `index` (1-based) and returns its result.
    public func await(_ index: Int, timeout: Double = 1200) throws -> Result<StageRunReport, StageError> {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while results.count < index {
            guard condition.wait(until: deadline) else { throw HarnessError("run \(index) did not finish within \(timeout)s") }
        }
        return results[index - 1]
    }

    /// Waits for the next successful run after `index` and returns its number and report.
    public func awaitSuccess(after index: Int, timeout: Double = 1200) throws -> (Int, StageRunReport) {
        var next = index + 1
        while true {
            if case .success(let report) = try self.await(next, timeout: timeout) { return (next, report) }
            next += 1
        }
    }
}
