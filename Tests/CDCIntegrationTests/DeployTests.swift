import Foundation
import Testing
import TestSupport

/// The deployment files (deploy/, Dockerfile): checked statically, since neither a
/// Docker engine nor systemd runs here, plus the local scripts' cheap behaviours.
@Suite("Deployment")
struct DeployTests {
    @Test("compose file, Dockerfile, systemd units and local scripts are consistent (deploy_check.py)")
    func deployCheck() throws {
        try PythonTool.requireModules(["yaml"])
        let result = try PythonTool.run(arguments: [PythonTool.script("deploy_check.py"), "--root", Repository.root])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let problems = object?["problems"] as? [String] ?? ["deploy_check.py printed no report: \(result.stdout)\(result.stderr)"]
        #expect(problems.isEmpty, "deployment problems:\n\(problems.joined(separator: "\n"))")
        #expect(result.exitCode == 0, "deploy_check.py exited \(result.exitCode): \(result.stderr)")
        #expect(object?["ok"] as? Bool == true)
        // It looked at what it should have: the compose services and the two units.
        let checks = object?["checks"] as? [String: Int] ?? [:]
        #expect((checks["services"] ?? 0) >= 10, "\(checks)")
        #expect(checks["units"] == 2, "\(checks)")
        #expect((checks["local_scripts"] ?? 0) >= 2, "\(checks)")
    }

    @Test("deploy/local: down with nothing running succeeds; bad arguments fail clearly")
    func localScriptsFailFast() throws {
        let state = try Repository.temporaryDirectory("medallion-deploy-local")
        defer { try? FileManager.default.removeItem(atPath: state) }
        let environment = ["MEDALLION_DEMO_VAR": state]
        let up = Repository.root + "/deploy/local/up"
        let down = Repository.root + "/deploy/local/down"

        let idle = try Command.run("/bin/bash", [down], environment: environment, check: false)
        #expect(idle.status == 0, "\(idle.error)")
        #expect(idle.output.contains("nothing running"), "\(idle.output)")

        let unknown = try Command.run("/bin/bash", [up, "--bogus"], environment: environment, check: false)
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("unknown argument --bogus"), "\(unknown.error)")

        let missing = try Command.run("/bin/bash", [up, "--detach"],
                                      environment: environment.merging(["MEDALLION_BIN": state + "/no-such-medallion"]) { $1 },
                                      check: false)
        #expect(missing.status == 1)
        #expect(missing.error.contains("is not an executable file"), "\(missing.error)")
        // Nothing was started or created for a failed precondition.
        #expect(!FileManager.default.fileExists(atPath: state + "/pg"))
    }
}
