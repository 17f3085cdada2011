import Foundation
import LakeContract
import Metrics

/// The stage runner's metrics, through swift-metrics (the CLI bootstraps a Prometheus
/// backend). Names follow the capture metrics: `medallion_` prefix, `_total` counters,
/// `_seconds` for times.
public enum StageMetrics {
    /// The label of the run-duration timer, for backends that want buckets of their own.
    public static let runDurationLabel = "medallion_stage_run_duration_seconds"

    /// Registers the counters at zero, so a scrape shows them before the first run.
    static func register(runner: StageRunnerKind) {
        for outcome in ["succeeded", "failed"] {
            Counter(label: "medallion_stage_runs_total", dimensions: [("outcome", outcome), ("runner", runner.rawValue)]).increment(by: 0)
        }
    }

    /// One finished silver→gold run.
    static func runFinished(runner: StageRunnerKind, outcome: Result<StageRunReport, StageError>, duration: Duration,
                            consecutiveFailures: Int) {
        let succeeded: Bool
        switch outcome {
        case .success: succeeded = true
        case .failure(let error):
            succeeded = false
            Counter(label: "medallion_stage_failures_total", dimensions: [("runner", runner.rawValue), ("reason", error.code.description)])
                .increment()
        }
        Counter(label: "medallion_stage_runs_total",
                dimensions: [("outcome", succeeded ? "succeeded" : "failed"), ("runner", runner.rawValue)]).increment()
        Metrics.Timer(label: runDurationLabel, dimensions: [("runner", runner.rawValue)]).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        Gauge(label: "medallion_stage_consecutive_failures", dimensions: [("runner", runner.rawValue)])
            .record(Double(consecutiveFailures))
    }

    /// What the last published gold covers and how old it is.
    static func gold(_ marker: GoldMarker, now: Date) {
        Gauge(label: "medallion_gold_age_seconds").record(max(0, now.timeIntervalSince(marker.producedAt)))
        Gauge(label: "medallion_gold_bronze_batch").record(Double(marker.bronzeBatch))
    }
}
