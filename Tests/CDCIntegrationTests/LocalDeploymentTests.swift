import Foundation
import Testing
import TestSupport

/// `deploy/local` end to end, as the README's first command runs it: up, one order
/// reaches the dashboard's API through capture, the `local` Spark stages and gold, then
/// down leaves nothing running.
@Suite("Local deployment", .serialized)
struct LocalDeploymentTests {
    @Test("deploy/local: up, an inserted order reaches /api/branches, down stops everything")
    func upOrderDown() throws {
        let state = try Repository.temporaryDirectory("medallion-demo")
        let ports = (postgres: try PostgresCluster.freePort(), dashboard: try PostgresCluster.freePort(),
                     metrics: try PostgresCluster.freePort())
        let environment = [
            "MEDALLION_DEMO_VAR": state,
            "MEDALLION_DEMO_PG_PORT": String(ports.postgres),
            "MEDALLION_PORT": String(ports.dashboard),
            "MEDALLION_METRICS_ADDRESS": "127.0.0.1:\(ports.metrics)",
            "MEDALLION_STAGES": "local",
            "MEDALLION_DEMO_SIMULATE": "0",
            "MEDALLION_DEMO_TIMEOUT": "180",
            "MEDALLION_BIN": try Repository.medallionExecutable(),
        ]
        let up = Repository.root + "/deploy/local/up"
        let down = Repository.root + "/deploy/local/down"
        var stopped = false
        defer {
            if !stopped { _ = try? Command.run("/bin/bash", [down], environment: environment, check: false) }
            try? FileManager.default.removeItem(atPath: state)
        }

        let started = try Command.run("/bin/bash", [up, "--detach"], environment: environment, check: false)
        try #require(started.status == 0, "up failed:\n\(started.output)\(started.error)")
        #expect(started.output.contains("medallion-local: ready"), "\(started.output)")
        let pids = try ["run", "dashboard"].map { name in
            let text = try String(contentsOfFile: "\(state)/run/\(name).pid", encoding: .utf8)
            return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), "\(name).pid holds \(text)")
        }

        // The private cluster asks for the generated password, which only this user can read.
        let pgpass = state + "/secrets/pgpass"
        #expect(try FileManager.default.attributesOfItem(atPath: pgpass)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: state + "/secrets")[.posixPermissions] as? Int == 0o700)
        let dsn = "host=127.0.0.1 port=\(ports.postgres) dbname=retail user=postgres"
        let without = try Command.run("/usr/bin/psql", ["-X", "-w", "-d", dsn, "-c", "SELECT 1"],
                                      environment: ["PGPASSFILE": "/dev/null"], check: false)
        #expect(without.status != 0 && without.error.contains("password"), "\(without.output)\(without.error)")
        let hba = try Command.run("/bin/cat", [state + "/pg/data/pg_hba.conf"]).output
        #expect(!hba.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("trust") }, "\(hba)")

        // One order and its NEW history row, in one transaction, as the retail app writes them.
        let branch = "e2e-\(UUID().uuidString.prefix(6).lowercased())"
        try Command.run("/usr/bin/psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1",
                                          "-d", dsn, "-c", """
            WITH o AS (INSERT INTO orders (branch, customer, amount, status)
                       VALUES ('\(branch)', 'demo-customer', 12.5, 'NEW') RETURNING id)
            INSERT INTO ordershistory (order_id, status) SELECT id, 'NEW' FROM o
            """], environment: ["PGPASSFILE": pgpass])

        let api = "http://127.0.0.1:\(ports.dashboard)/api/branches"
        let row = try Poll.until("branch \(branch) on \(api)", timeout: 300, interval: 0.5) { () -> [String: Any]? in
            let answer = try Command.run("/usr/bin/curl", ["-s", "--max-time", "5", api], check: false)
            let object = try? JSONSerialization.jsonObject(with: Data(answer.output.utf8)) as? [String: Any]
            let branches = object?["branches"] as? [[String: Any]] ?? []
            return branches.first { $0["branch"] as? String == branch }
        }
        #expect(row["order_count"] as? Int == 1, "\(row)")

        // status, as up tells an operator to run it, shows the demo's stage runner and gold.
        let statusEnvironment = [
            "MEDALLION_DSN": "host=127.0.0.1 port=\(ports.postgres) dbname=retail user=postgres connect_timeout=5",
            "MEDALLION_LAKE": "file://\(state)/lake", "MEDALLION_STAGE_LOG_DIR": state + "/log", "PGPASSFILE": pgpass,
        ]
        #expect(started.output.contains("PGPASSFILE=\(pgpass)"), "\(started.output)")
        #expect(started.output.contains("MEDALLION_STAGE_LOG_DIR=\(state)/log"), "\(started.output)")
        // (The dashboard can see gold a moment before the run that wrote it has reported back.)
        let running = try Poll.until("status to record the stage run", timeout: 60) { () -> [String: Any]? in
            let stages = try Self.stages(statusEnvironment)
            return stages["last_run_outcome"] != nil ? stages : nil
        }
        #expect(running["runner"] as? String == "local", "\(running)")
        #expect(["idle", "running"].contains(running["state"] as? String ?? ""), "\(running)")
        #expect(running["last_run_outcome"] as? String == "succeeded", "\(running)")
        #expect((running["gold_bronze_batch"] as? Int ?? 0) >= 1, "\(running)")

        // PostgreSQL, the daemon, its Spark driver and the dashboard are seen by the check below.
        #expect(LocalProcesses.mentioning(state).count >= 4, "\(LocalProcesses.mentioning(state).joined(separator: "\n"))")
        let stop = try Command.run("/bin/bash", [down], environment: environment, check: false)
        stopped = true
        #expect(stop.status == 0, "down failed:\n\(stop.output)\(stop.error)")
        #expect(stop.output.contains("stopped PostgreSQL"), "\(stop.output)")

        // Nothing of this state directory runs any more: no PostgreSQL, medallion or
        // Spark process, no pid file, and every port it used is closed.
        #expect(LocalProcesses.mentioning(state).isEmpty, "left running:\n\(LocalProcesses.mentioning(state).joined(separator: "\n"))")
        for pid in pids {
            #expect(!LocalProcesses.isAlive(pid), "pid \(pid) is still alive")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/run").isEmpty)
        for (name, port) in [("PostgreSQL", ports.postgres), ("dashboard", ports.dashboard), ("metrics", ports.metrics)] {
            #expect(!LocalProcesses.isListening(port: port), "the \(name) port \(port) is still open")
        }
        // The data stays for the next up; status says the stage runner is off.
        #expect(FileManager.default.fileExists(atPath: state + "/lake/bronze/bookmark"))
        #expect(try Self.stages(statusEnvironment)["state"] as? String == "off")
    }

    /// The `stages` section of `medallion status --json`.
    static func stages(_ environment: [String: String]) throws -> [String: Any] {
        let result = try Command.run(try Repository.medallionExecutable(), ["status", "--json"], environment: environment, check: false)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        return try #require(object?["stages"] as? [String: Any], "status --json (\(result.status)): \(result.output)\(result.error)")
    }
}
