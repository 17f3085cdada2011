import Foundation
import TestSupport

/// A retail database with capture, a lake and a stage log directory for one daemon run
/// with the `local` runner.
struct DaemonSetup {
    /// The retail tables, captured by `medallion install` (the lake is under `work`).
    let retail: RetailDatabase
    let work: String
    let medallion: String

    init() throws {
        retail = try RetailDatabase(capture: false)
        work = try Repository.temporaryDirectory("medallion-stageops")
        medallion = try Repository.medallionExecutable()
        try Command.run(medallion, ["install"], environment: environment())
    }

    var cluster: PostgresCluster { retail.cluster }
    var database: String { retail.name }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        SparkTestJVM.adding(to: [
            "MEDALLION_DSN": cluster.dsn(database: database),
            "MEDALLION_LAKE": "file://\(work)/lake",
            "MEDALLION_LOG_LEVEL": "info",
            "MEDALLION_MAX_DELAY": "50ms",
            "MEDALLION_STAGES": "local",
            "MEDALLION_STAGE_LOG_DIR": work,
            "MEDALLION_METRICS_ADDRESS": "127.0.0.1:0",
            "MEDALLION_SPARK_SUBMIT": Repository.root + "/.venv/bin/spark-submit",
            "MEDALLION_SPARK_JOBS": Repository.root + "/spark-jobs",
            "SPARK_LOCAL_IP": "127.0.0.1",
            // A loaded machine makes Spark slow, not wrong: runs are awaited, not timed.
            "MEDALLION_STAGE_TIMEOUT": "15m",
        ]).merging(extra) { $1 }
    }

    func medallion(_ arguments: [String]) throws -> CommandResult {
        try Command.run(medallion, arguments, environment: environment(), check: false)
    }

    func statusJSON() throws -> [String: Any] {
        let result = try medallion(["status", "--json"])
        guard result.status == 0, let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
            throw HarnessError("status --json failed (\(result.status)): \(result.error)\(result.output)")
        }
        return object
    }

    func insertOrders(_ count: Int, branch: String) throws {
        try retail.insertOrders(count, branch: branch)
    }

    /// Waits until bronze has the rows inserted so far and a stage run covered them;
    /// returns that bronze batch.
    func awaitGold(_ daemon: ChildProcess) throws -> Int {
        let verify = try medallion(["verify", "--timeout", "300s"])
        guard verify.status == 0 else { throw HarnessError("verify: \(verify.output)\(verify.error)") }
        let bookmark = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/lake/bronze/bookmark")))
        guard let batch = (bookmark as? [String: Any])?["batch"] as? Int else { throw HarnessError("no batch in the bookmark") }
        try daemon.waitForOutput("bronze_batch=\(batch) ", timeout: 900)
        return batch
    }

    func remove() {
        retail.drop()
        try? FileManager.default.removeItem(atPath: work)
    }
}

/// `GET /metrics` of a daemon, parsed just enough to read one sample's value.
struct MetricsScrape {
    let port: Int

    struct Sample {
        let text: String
        /// The value of the sample `series` (name with its labels exactly as printed).
        func value(_ series: String) -> Double? {
            for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
                return Double(line.dropFirst(series.count + 1))
            }
            return nil
        }
    }

    func read() throws -> Sample {
        Sample(text: try Command.run("/usr/bin/curl", ["-sf", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"]).output)
    }
}
