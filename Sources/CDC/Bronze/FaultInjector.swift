#if canImport(Glibc)
import Glibc
#endif

/// A test-only hook that makes the daemon die abruptly right after a step of the commit
/// protocol, to prove that a crash at any point loses and duplicates nothing.
/// Set `MEDALLION_FAULT=<step>` (optionally `<step>@<batch>`), or a `CompactionStep`
/// (`compact-after-exchange`) for the first compaction; never set it in production.
public struct FaultInjector: Sendable {
    /// The steps of the commit protocol, in order.
    public enum Step: String, Sendable, CaseIterable {
        case afterIntent = "after-intent"
        case midFile = "mid-file"
        case afterFirstFile = "after-first-file"
        case afterFiles = "after-files"
        case afterCommitRecord = "after-commit-record"
        case afterBookmark = "after-bookmark"
        case afterPrune = "after-prune"
    }

    let step: Step?
    let batch: UInt64?
    var compaction: CompactionStep? = nil

    public static let none = FaultInjector(step: nil, batch: nil)

    /// Parses `MEDALLION_FAULT`.
    public init(environment value: String?) throws {
        guard let value, !value.isEmpty else {
            self.init(step: nil, batch: nil)
            return
        }
        if let compaction = CompactionStep(rawValue: value) {
            self.init(step: nil, batch: nil)
            self.compaction = compaction
            return
        }
        let parts = value.split(separator: "@", maxSplits: 1).map(String.init)
        guard let step = Step(rawValue: parts[0]), parts.count == 1 || UInt64(parts[1]) != nil else {
            let steps = (Step.allCases.map(\.rawValue) + CompactionStep.allCases.map(\.rawValue)).joined(separator: ", ")
            throw CaptureError(.invalidInput, message: "MEDALLION_FAULT=\(value) is not a step; use one of \(steps) (optionally @batch).")
        }
        self.init(step: step, batch: parts.count == 2 ? UInt64(parts[1]) : nil)
    }

    init(step: Step?, batch: UInt64?) {
        self.step = step
        self.batch = batch
    }

    func isArmed(_ step: Step, batch: UInt64) -> Bool {
        self.step == step && (self.batch == nil || self.batch == batch)
    }

    /// Exits the process at once, as a crash would, when armed for `step` of `batch`.
    func trip(_ step: Step, batch: UInt64) {
        guard isArmed(step, batch: batch) else { return }
        Self.crash("\(step.rawValue) of batch \(batch)")
    }

    /// Exits the process at once when armed for this step of a compaction.
    func trip(_ step: CompactionStep) {
        guard compaction == step else { return }
        Self.crash(step.rawValue)
    }

    private static func crash(_ what: String) -> Never {
        let message = Array("medallion: fault injected at \(what); exiting\n".utf8)
        _ = message.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        _exit(86)
    }
}
