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
        let succeeded = #"medallion_stage_runs_total{outcome="succeeded",runner="local"}"#
        let timed = #"medallion_stage_run_duration_seconds_count{runner="local"}"#
        // A scrape is not atomic across series: a follow-up run finishing during it can
        // show in the counter and not yet in the timer. Every run is timed once it settles.
        let afterFirst = try Poll.until("every counted stage run to be timed", timeout: 60) { () -> MetricsScrape.Sample? in
            let reading = try metrics.read()
            return reading.value(succeeded) != nil && reading.value(succeeded) == reading.value(timed) ? reading : nil
        }
        let runs = try #require(afterFirst.value(succeeded), "\(afterFirst.text)")
        #expect(runs >= 1)
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
        let status = try Poll.until("status to show the runner idle", timeout: 300) { () -> [String: Any]? in
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
        try Poll.until("the Spark driver to be gone", timeout: 30) { LocalProcesses.mentioning(setup.work).isEmpty }
    }

    @Test func sigtermDuringAStageRunExitsPromptlyAndCleanly() throws {
        let setup = try DaemonSetup()
        defer { setup.remove() }
        try setup.insertOrders(5, branch: "term")
        // A delete sends the run down silver's Spark path, which takes seconds; the light
        // path can finish an insert-only run before the signal arrives.
        let first = try setup.retail.sql("SELECT min(id) FROM orders WHERE branch = 'term'")
        _ = try setup.retail.sql("DELETE FROM ordershistory WHERE order_id = \(first)")
        _ = try setup.retail.sql("DELETE FROM orders WHERE id = \(first)")
        let daemon = try ChildProcess(setup.medallion, ["run"], environment: setup.environment())
        defer { daemon.signal(SIGKILL) }
        try daemon.waitForOutput("committed batch")
        // The catch-up run starts as soon as the warm driver is ready.
        try daemon.waitForOutput("spark driver ready", timeout: 900)
        try daemon.waitForOutput("stages run started", timeout: 300)
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
        try Poll.until("the Spark driver to be gone", timeout: 30) { LocalProcesses.mentioning(setup.work).isEmpty }
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
