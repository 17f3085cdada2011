import Foundation
import HTTPTypes
import Hummingbird
import Testing
@testable import Dashboard

/// The hardening of issue 15 without a socket: a page that needs no inline script or
/// style, and the `Host` names a bind allows (over TCP: `LiveSecurityTests`).
@Suite struct DashboardSecurityTests {
    @Test func thePageHasNoInlineScriptOrStyleAndItsAssetsAreServed() async throws {
        let store = GoldStore(state: DashboardState(instance: "t", staleAfter: 120))
        let router = DashboardRoutes.router(store: store, hosts: .testing, maxEventStreams: 64)
        let client = RouterClient(router: router)
        let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
        #expect(html.contains("<script src=\"assets/dashboard.js\"></script>"))
        #expect(html.contains("<link rel=\"stylesheet\" href=\"assets/dashboard.css\">"))
        #expect(!html.contains("<script>") && !html.contains("<style") && !html.contains("style=")
                && html.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil,
                "inline script or style would need 'unsafe-inline'")
        let script = try await client.execute(uri: "/assets/dashboard.js", method: .get)
        #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
        #expect(String(buffer: script.body) == PageAssets.script)
        let css = try await client.execute(uri: "/assets/dashboard.css", method: .get)
        #expect(css.headers[.contentType] == "text/css; charset=utf-8")
        #expect(String(buffer: css.body) == PageAssets.css)
    }

    @Test func aWildcardBindAnswersLoopbackNamesOnly() throws {
        let hosts = try AllowedHosts(bindHost: "0.0.0.0", port: 5000, extra: [])
        #expect(hosts.allows("localhost:5000") && hosts.allows("127.0.0.1:5000") && hosts.allows("[::1]:5000"))
        #expect(!hosts.allows("0.0.0.0:5000") && !hosts.allows("192.0.2.7:5000") && !hosts.allows("localhost:5001"))
        let named = try AllowedHosts(bindHost: "dashboard.lan", port: 80, extra: [])
        #expect(named.allows("dashboard.lan") && named.allows("dashboard.lan:80") && !named.allows("localhost:80"))
        #expect(throws: DashboardError.self) { try AllowedHosts(bindHost: "127.0.0.1", port: 5000, extra: ["bad host"]) }
        #expect(throws: DashboardError.self) { try AllowedHosts(bindHost: "127.0.0.1", port: 5000, extra: ["x:99999"]) }
    }
}
