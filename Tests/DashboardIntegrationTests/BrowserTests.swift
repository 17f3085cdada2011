import Foundation
import Lake
import Testing
import TestSupport

/// The page in headless Chromium: the empty state, updates in place without a reload,
/// scroll kept, reconnection after a server restart; saves a screenshot in
/// `.build/test-artifacts/dashboard.png`.
@Suite struct BrowserTests {
    @Test(.timeLimit(.minutes(5)))
    func thePageUpdatesInPlaceAndReconnectsAfterARestart() async throws {
        let root = try Repository.temporaryDirectory("medallion-dashboard-browser")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lake = LocalLake(root: root)
        // The browser starts first and waits for the port: a child spawned after the server
        // would inherit its listening socket and keep the port after the server stops.
        let port = try PostgresCluster.freePort()
        let browser = try ChildProcess(try PythonTool.python(), [
            PythonTool.script("dashboard_browser.py"), "--url", "http://127.0.0.1:\(port)/", "--lake", root,
            "--screenshot", try Repository.artifactDirectory() + "/dashboard.png",
        ], environment: ProcessInfo.processInfo.environment)
        let first = try await RunningDashboard.start(lake: lake, port: port)

        do {
            try await RawHTTPClient.onThread { try browser.waitForOutput("RESTART-REQUEST", timeout: 180) }
        } catch {
            try await first.stop()
            throw error
        }
        try await first.stop()
        let second = try await RunningDashboard.start(lake: lake, port: port)
        let status = try await RawHTTPClient.onThread { try browser.waitForExit(timeout: 180) }
        try await second.stop()
        #expect(status == 0, "\(browser.output)")
        #expect(browser.output.contains("BROWSER OK"), "\(browser.output)")
    }
}
