import Foundation
import Metrics

/// The capture metrics, through swift-metrics (the CLI bootstraps a Prometheus backend).
enum CaptureMetrics {
    static func committed(_ batch: CommittedBatch) {
        for (table, rows) in batch.rowsByTable {
            Counter(label: "medallion_rows_captured_total", dimensions: [("table", table)]).increment(by: rows)
        }
        for (table, columns) in batch.overflowed {
            for (column, count) in columns {
                Counter(label: "medallion_values_overflowed_total", dimensions: [("table", table), ("column", column)]).increment(by: count)
            }
        }
        Counter(label: "medallion_batches_committed_total").increment()
        Recorder(label: "medallion_batch_rows", aggregate: true).record(batch.rows)
        Metrics.Timer(label: "medallion_batch_duration_seconds").recordNanoseconds(
            batch.duration.components.seconds * 1_000_000_000 + batch.duration.components.attoseconds / 1_000_000_000)
        if let lag = batch.lagSeconds {
            Gauge(label: "medallion_commit_to_bronze_lag_seconds").record(lag)
        }
        Gauge(label: "medallion_bronze_batch").record(Double(batch.batch))
    }

    static func reconnect() {
        Counter(label: "medallion_reconnects_total").increment()
    }

    static func lakeError() {
        Counter(label: "medallion_lake_errors_total").increment()
    }

    /// Rows of committed batches deleted from a capture table.
    static func pruned(table: String, rows: Int) {
        Counter(label: "medallion_rows_pruned_total", dimensions: [("table", table)]).increment(by: rows)
    }

    /// Rows of committed batches still waiting to be deleted from a capture table.
    static func prunePending(table: String, rows: Int) {
        Gauge(label: "medallion_prune_pending_rows", dimensions: [("table", table)]).record(Double(rows))
    }

    static func pruneFailure() {
        Counter(label: "medallion_prune_failures_total").increment()
    }

    static func backlog(table: String, rows: Int) {
        Gauge(label: "medallion_capture_backlog_rows", dimensions: [("table", table)]).record(Double(rows))
    }

    /// How long the oldest open transaction (the one holding the watermark) has been open.
    static func watermarkHolderAge(seconds: Double) {
        Gauge(label: "medallion_watermark_holder_age_seconds").record(seconds)
    }

    /// Logical capture: the WAL the slot holds back, and how far its confirmed position
    /// is behind the server's.
    static func slot(retainedBytes: Int64, lagBytes: Int64) {
        Gauge(label: "medallion_slot_retained_wal_bytes").record(Double(retainedBytes))
        Gauge(label: "medallion_slot_lag_bytes").record(Double(lagBytes))
    }

    /// Visible bronze files and their bytes per table.
    static func bronzeFiles(table: String, files: Int, bytes: Int) {
        Gauge(label: "medallion_bronze_files", dimensions: [("table", table)]).record(Double(files))
        Gauge(label: "medallion_bronze_bytes", dimensions: [("table", table)]).record(Double(bytes))
    }

    /// One partition compacted.
    static func compacted(table: String, filesRemoved: Int) {
        Counter(label: "medallion_compactions_total", dimensions: [("table", table)]).increment()
        Counter(label: "medallion_compacted_files_total", dimensions: [("table", table)]).increment(by: filesRemoved)
        Gauge(label: "medallion_last_compaction_timestamp_seconds").record(Date().timeIntervalSince1970)
    }
}
