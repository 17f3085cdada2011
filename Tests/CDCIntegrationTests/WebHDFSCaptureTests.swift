import Foundation
import Testing
import TestSupport
@testable import CDC
@testable import Lake

@Suite("Capture into WebHDFS")
struct WebHDFSCaptureTests {
    @Test("the daemon streams into WebHDFS through injected failures; a refused batch is not committed; verify is clean and Spark's WebHDFS client sees the same rows")
    func captureIntoWebHDFS() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        let double = try WebHDFSDouble()
        let location = "webhdfs://127.0.0.1:\(double.namenodePort)/lake"
        let environment = ["MEDALLION_LAKE": location, "MEDALLION_HDFS_USER": "medallion", "MEDALLION_HDFS_RETRIES": "2",
                           "MEDALLION_STAGES": "off"]
        let lake = try LakeLocation.open(location, currentDirectory: "/", environment: environment)

        var daemon = try database.startDaemon(environment)
        try database.insertOrders(100)
        try daemon.waitForOutput("committed batch")
        // Transient: a namenode error, a reset datanode connection, a lost RENAME answer,
        // safe mode — each retried inside the lake client.
        try double.fail("500", count: 2, ops: ["CREATE"])
        try double.fail("reset", count: 1, target: "datanode", ops: ["CREATE"])
        try double.fail("drop-answer", count: 1, ops: ["RENAME"])
        try double.fail("safemode", count: 2, ops: ["CREATE"])
        try database.insertOrders(150, branch: "branch-02")
        #expect(try verify(database, lake).isClean)
        // An outage longer than the client's retries: the daemon backs off and redoes the batch.
        try double.fail("500", count: 8, ops: ["RENAME"])
        try database.insertOrders(50, branch: "branch-03")
        try daemon.waitForOutput("lake unavailable; retrying")
        #expect(try verify(database, lake).isClean)

        // Permanent: permission denied ends the daemon with a clear error; nothing is committed.
        let bookmark = try lake.read("bronze/bookmark")
        try double.fail("permission", ops: ["CREATE"])
        try database.insertOrders(40, branch: "branch-04")
        let status = try daemon.waitForExit(timeout: 60)
        #expect(status != 0)
        #expect(daemon.output.contains("permission denied") && daemon.output.contains("/lake/bronze"), "\(daemon.output)")
        #expect(try lake.read("bronze/bookmark") == bookmark, "the refused batch is not committed")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE branch = 'branch-04'") == "40")

        // Access granted again: the daemon redoes the batch from its intent.
        try double.clear()
        daemon = try database.startDaemon(environment)
        let report = try verify(database, lake)
        #expect(report.isClean, "\(report)")
        #expect(report.tables[0].matching == 340)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
        #expect(try double.injected() >= 14)

        // Hadoop's own WebHDFS client (inside Spark) reads the Parquet the daemon wrote.
        let spark = try PythonTool.sparkSubmit(Repository.root + "/Tests/python/webhdfs_spark_read.py", [location, "orders"])
        let line = spark.stdout.split(separator: "\n").first { $0.hasPrefix("RESULT-JSON ") } ?? ""
        let seen = try JSONSerialization.jsonObject(with: Data(line.dropFirst("RESULT-JSON ".count).utf8)) as? [String: Any]
        let orders = try #require(report.tables.first { $0.table.name == "orders" })
        #expect(seen?["rows"] as? Int == orders.bronzeChanges, "\(spark.stdout)")
        #expect(seen?["rows"] as? Int == 340)

        // Silver and gold on the same lake through Spark's WebHDFS client: one cold run.
        let logs = try Repository.temporaryDirectory("medallion-webhdfs-stages")
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let stageEnvironment = try environment.merging(PythonTool.stageEnvironment()) { $1 }.merging([
            "MEDALLION_SPARK_LAKE": location,
            "MEDALLION_STAGE_LOG_DIR": logs,
            "MEDALLION_SPARK_CLASS_ARCHIVE": "off",
        ]) { $1 }
        let refresh = try Command.run(try Repository.medallionExecutable(), ["refresh", "--stages", "submit"],
                                      environment: stageEnvironment, check: false)
        let stageLog = (try? String(contentsOfFile: logs + "/medallion-stages-submit.log", encoding: .utf8)) ?? ""
        #expect(refresh.status == 0, "\(refresh.error)\n\(stageLog.suffix(4000))")
        let metrics = try JSONSerialization.jsonObject(with: Data(try lake.read("gold/branch_metrics.json"))) as? [String: Any]
        let counts = Dictionary(uniqueKeysWithValues: (metrics?["branches"] as? [[String: Any]] ?? []).map {
            ($0["branch"] as? String ?? "", $0["order_count"] as? Int ?? -1)
        })
        #expect(counts == ["branch-01": 100, "branch-02": 150, "branch-03": 50, "branch-04": 40], "\(String(describing: metrics))")
        #expect(try lake.list("silver").isEmpty == false)
    }

    private func verify(_ database: RetailDatabase, _ lake: any LakeStorage) throws -> VerifyReport {
        var options = Verifier.Options()
        options.timeout = .seconds(60)
        return try Verifier(connection: database.connect(), lake: lake, options: options).verify(TableName.retailDefaults)
    }
}
