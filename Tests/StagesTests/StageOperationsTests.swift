import Foundation
import Testing
import TestSupport

/// The stage runner as an operator sees it, with a real daemon and the real `local`
/// Spark runner: stage metrics on `/metrics`, the stage section of `status`, and SIGTERM.
@Suite(.serialized) struct StageOperationsTests {
    @Test func metricsAndStatusFollowRealStageRuns() throws {
        let setup = try DaemonSetup()
        defer { setup.remove() }
        let metricsPort = try PostgresCluster.freePort()
        let daemon = try ChildProcess(setup.medallion, ["run"],
                                      environment: setup.environment(["MEDALLION_METRICS_ADDRESS": "127.0.0.1:\(metricsPort)"]))
        defer { daemon.signal(SIGKILL) }
        try daemon.waitForOutput("caught up to bookmark")
        let metrics = MetricsScrape(port: metricsPort)

        // Before any run finished: the counters are there, at zero for failures.
        let initial = try metrics.read()
        #expect(initial.value(#"medallion_stage_runs_total{outcome="failed",runner="local"}"#) == 0, "\(initial.text)")

        try setup.insertOrders(3, branch: "ops-1")
        let first = try setup.awaitGold(daemon)
        let afterFirst = try metrics.read()
        let succeeded = #"medallion_stage_runs_total{outcome="succeeded",runner="local"}"#
        let runs = try #require(afterFirst.value(succeeded), "\(afterFirst.text)")
        #expect(runs >= 1)
        #expect(afterFirst.value(#"medallion_stage_run_duration_seconds_count{runner="local"}"#) == runs, "\(afterFirst.text)")
        #expect(afterFirst.text.contains(#"medallion_stage_run_duration_seconds_bucket{runner="local",le="600.0"}"#), "\(afterFirst.text)")
        #expect(afterFirst.value("medallion_gold_bronze_batch") == Double(first))
        let age = try #require(afterFirst.value("medallion_gold_age_seconds"), "\(afterFirst.text)")
        #expect(age >= 0 && age < 600)
        // The age is taken at each scrape: it grows while gold stands still.
        try Poll.until("medallion_gold_age_seconds to grow", timeout: 20) {
            try (metrics.read().value("medallion_gold_age_seconds") ?? 0) > age
        }

        // Another batch: the counters move.
        try setup.insertOrders(2, branch: "ops-2")
        let second = try setup.awaitGold(daemon)
        #expect(second > first)
        let afterSecond = try metrics.read()
        #expect((afterSecond.value(succeeded) ?? 0) > runs, "\(afterSecond.text)")
        #expect(afterSecond.value("medallion_gold_bronze_batch") == Double(second))

        // status: the capture keys as before, plus the stage section.
        let status = try Poll.until("status to show the runner idle", timeout: 120) { () -> [String: Any]? in
            let object = try setup.statusJSON()
            return (object["stages"] as? [String: Any])?["state"] as? String == "idle" ? object : nil
        }
        #expect(status["daemon_running"] as? Bool == true)
        #expect(((status["bookmark"] as? [String: Any])?["batch"] as? Int ?? 0) >= second)
        let stages = try #require(status["stages"] as? [String: Any])
        #expect(stages["runner"] as? String == "local")
        #expect(stages["last_run_outcome"] as? String == "succeeded")
        #expect((stages["runs"] as? Int ?? 0) >= 2)
        #expect(stages["failures"] as? Int == 0)
        #expect((stages["last_run_duration_seconds"] as? Double ?? -1) > 0)
        #expect(stages["gold_bronze_batch"] as? Int == second)
        #expect((stages["gold_age_seconds"] as? Double ?? -1) >= 0)
        #expect((stages["driver"] as? String ?? "").contains("warm"), "\(stages)")
        let text = try setup.medallion(["status"])
        #expect(text.output.contains("stages        idle (runner local"), "\(text.output)")
        #expect(text.output.contains("gold          covers bronze batch \(second)"), "\(text.output)")

        // The daemon and its Spark driver are seen by the check below (their environment names the work directory).
        #expect(LocalProcesses.mentioning(setup.work).count >= 2, "\(LocalProcesses.mentioning(setup.work))")
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit(timeout: 60) == 0, "\(daemon.output)")
        let stopped = try #require(try setup.statusJSON()["stages"] as? [String: Any])
        #expect(stopped["state"] as? String == "off", "\(stopped)")
        #expect(stopped["gold_bronze_batch"] as? Int == second)
        try Poll.until("the Spark driver to be gone", timeout: 10) { LocalProcesses.mentioning(setup.work).isEmpty }
    }

    @Test func sigtermDuringAStageRunExitsPromptlyAndCleanly() throws {
        let setup = try DaemonSetup()
        defer { setup.remove() }
        try setup.insertOrders(5, branch: "term")
        let daemon = try ChildProcess(setup.medallion, ["run"], environment: setup.environment())
        defer { daemon.signal(SIGKILL) }
        try daemon.waitForOutput("committed batch")
        // The catch-up run starts as soon as the warm driver is ready, and silver then takes seconds.
        try daemon.waitForOutput("spark driver ready", timeout: 180)
        try daemon.waitForOutput("stages run started", timeout: 60)
        let clock = ContinuousClock()
        let start = clock.now
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit(timeout: 60) == 0, "\(daemon.output)")
        #expect(clock.now - start < .seconds(45))
        #expect(daemon.output.contains("capture stopped"))
        #expect(!daemon.output.contains("stages run finished"), "the run was not in flight at SIGTERM")
        let stages = try #require(try setup.statusJSON()["stages"] as? [String: Any])
        #expect(stages["state"] as? String == "off", "\(stages)")
        #expect(stages["last_run_outcome"] as? String == "cancelled", "\(stages)")
        #expect(stages["failures"] as? Int == 0, "\(stages)")
        try Poll.until("the Spark driver to be gone", timeout: 10) { LocalProcesses.mentioning(setup.work).isEmpty }
        let verify = try setup.medallion(["verify", "--timeout", "10s"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
    }

    @Test func aBrokenStageRunnerIsCountedAndShownWhileCaptureGoesOn() throws {
        let setup = try DaemonSetup()
        defer { setup.remove() }
        let metricsPort = try PostgresCluster.freePort()
        let missing = setup.work + "/no-spark-jobs"
        let daemon = try ChildProcess(setup.medallion, ["run"], environment: setup.environment([
            "MEDALLION_METRICS_ADDRESS": "127.0.0.1:\(metricsPort)", "MEDALLION_SPARK_JOBS": missing,
        ]))
        defer { daemon.signal(SIGKILL) }
        try daemon.waitForOutput("caught up to bookmark")
        try daemon.waitForOutput("stages run failed")

        // Capture goes on: bronze agrees with the source.
        try setup.insertOrders(4, branch: "broken")
        let verify = try setup.medallion(["verify", "--timeout", "30s"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")

        let metrics = MetricsScrape(port: metricsPort)
        let scrape = try Poll.until("a second failed run on /metrics", timeout: 30) { () -> MetricsScrape.Sample? in
            let sample = try metrics.read()
            return (sample.value(#"medallion_stage_runs_total{outcome="failed",runner="local"}"#) ?? 0) >= 2 ? sample : nil
        }
        #expect(scrape.value(#"medallion_stage_runs_total{outcome="succeeded",runner="local"}"#) == 0, "\(scrape.text)")
        #expect((scrape.value(#"medallion_stage_failures_total{runner="local",reason="toolMissing"}"#) ?? 0) >= 2, "\(scrape.text)")
        #expect((scrape.value(#"medallion_stage_consecutive_failures{runner="local"}"#) ?? 0) >= 2, "\(scrape.text)")
        #expect(scrape.value("medallion_gold_age_seconds") == nil, "no gold, no age: \(scrape.text)")

        let status = try #require(try setup.statusJSON()["stages"] as? [String: Any])
        #expect(["retrying", "running"].contains(status["state"] as? String ?? ""), "\(status)")
        #expect(status["last_run_outcome"] as? String == "failed", "\(status)")
        #expect((status["last_error"] as? String ?? "").contains("MEDALLION_SPARK_JOBS"), "\(status)")
        #expect(status["gold_bronze_batch"] == nil || status["gold_bronze_batch"] is NSNull, "\(status)")
        let text = try setup.medallion(["status"])
        #expect(text.output.contains("stage error"), "\(text.output)")
        #expect(text.output.contains("gold          not published yet"), "\(text.output)")

        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit(timeout: 60) == 0, "\(daemon.output)")
        let stopped = try #require(try setup.statusJSON()["stages"] as? [String: Any])
        #expect(stopped["state"] as? String == "failed", "\(stopped)")
    }
}

/// A retail database with capture, a lake and a stage log directory for one daemon run
/// with the `local` runner.
private struct DaemonSetup {
    let cluster: PostgresCluster
    let database: String
    let work: String
    let medallion: String

    init() throws {
        cluster = try PostgresCluster.shared()
        database = try cluster.makeDatabase("stageops")
        work = try Repository.temporaryDirectory("medallion-stageops")
        medallion = try Repository.medallionExecutable()
        try cluster.psqlFile(Repository.root + "/sql/retail.sql", database: database)
        try Command.run(medallion, ["install"], environment: environment())
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        [
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
        ].merging(extra) { $1 }
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
        try cluster.psql("""
            WITH o AS (INSERT INTO orders (branch, customer, amount, status)
                       SELECT '\(branch)', 'customer-' || g, 10.5, 'NEW' FROM generate_series(1, \(count)) g RETURNING id)
            INSERT INTO ordershistory (order_id, status) SELECT id, 'NEW' FROM o
            """, database: database)
    }

    /// Waits until bronze has the rows inserted so far and a stage run covered them;
    /// returns that bronze batch.
    func awaitGold(_ daemon: ChildProcess) throws -> Int {
        let verify = try medallion(["verify", "--timeout", "60s"])
        guard verify.status == 0 else { throw HarnessError("verify: \(verify.output)\(verify.error)") }
        let bookmark = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/lake/bronze/bookmark")))
        guard let batch = (bookmark as? [String: Any])?["batch"] as? Int else { throw HarnessError("no batch in the bookmark") }
        try daemon.waitForOutput("bronze_batch=\(batch) ", timeout: 300)
        return batch
    }

    func remove() {
        try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try? FileManager.default.removeItem(atPath: work)
    }
}

/// `GET /metrics` of a daemon, parsed just enough to read one sample's value.
private struct MetricsScrape {
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
