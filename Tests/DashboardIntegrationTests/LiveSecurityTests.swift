import Foundation
import Lake
import Testing
import TestSupport
@testable import Dashboard

/// The hardening of issue 15 on the real server over TCP: security headers on every
/// response, 421 for a foreign `Host` (DNS rebinding), a cap on open event streams.
@Suite struct LiveSecurityTests {
    static let expectedHeaders = [
        "content-security-policy": "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
    ]

    static func expectSecurityHeaders(_ headers: [String: String], _ what: String) {
        for (name, value) in expectedHeaders {
            #expect(headers[name] == value, "\(what): \(name)")
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        let lake = MemoryLake()
        try GoldFixtures.writeJSON(lake, batch: 3, branches: GoldFixtures.threeBranches)
        let server = try await RunningDashboard.start(lake: lake)
        do {
            for path in ["/", "/fragment", "/api/branches", "/api/trends", "/healthz", "/assets/dashboard.css", "/assets/dashboard.js", "/nope", "/assets/nope.js"] {
                let response = try await RawHTTPClient.get(port: server.port, path)
                #expect(response.status == (path.contains("nope") ? 404 : 200), "\(path)")
                Self.expectSecurityHeaders(response.headers, path)
            }
            let misdirected = try await RawHTTPClient.get(port: server.port, "/", host: "evil.example:\(server.port)")
            Self.expectSecurityHeaders(misdirected.headers, "421")
            let (events, head) = try await RawHTTPClient.openEvents(port: server.port)
            #expect(head.status == 200)
            Self.expectSecurityHeaders(head.headers, "/events")
            events.disconnect()
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func aForeignHostGets421AndTheLocalNamesPass() async throws {
        let server = try await RunningDashboard.start(lake: MemoryLake())
        let port = server.port
        do {
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LocalHost.:\(port)", "[::1]:\(port)"] {
                let response = try await RawHTTPClient.get(port: port, "/api/branches", host: host)
                #expect(response.status == 200, "\(host)")
            }
            for host in ["evil.example:\(port)", "evil.example", "127.0.0.1:\(port + 1)", "127.0.0.1", "localhost.evil.example:\(port)"] {
                #expect(try await RawHTTPClient.get(port: port, "/api/branches", host: host).status == 421, "\(host)")
            }
            // Malformed or missing: refused by the HTTP layer (400) or by the check (421).
            let malformed: [String?] = ["127.0.0.1:\(port)@evil.example", "", "[::1", "127.0.0.1:x", "127.0.0.1:\(port):1", nil]
            for host in malformed {
                let response = try await RawHTTPClient.get(port: port, "/api/branches", host: host, sendHost: host != nil)
                #expect([400, 421].contains(response.status), "\(host ?? "no Host")")
                #expect(!response.body.contains("branches"), "\(host ?? "no Host")")
            }
            let misdirected = try await RawHTTPClient.get(port: port, "/", host: "evil.example:\(port)")
            #expect(misdirected.body.contains("Misdirected Request") && misdirected.body.contains("MEDALLION_ALLOWED_HOSTS"))
            #expect(!misdirected.body.contains("evil.example"), "the refused name is not echoed")
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func allowedHostsPass() async throws {
        let server = try await RunningDashboard.start(lake: MemoryLake()) {
            $0.allowedHosts = ["Dash.Example.com", "proxy.internal:8443", "2001:db8::1"]
        }
        let port = server.port
        do {
            for host in ["dash.example.com", "dash.example.com:443", "DASH.example.com.:\(port)", "proxy.internal:8443", "[2001:db8::1]:8080"] {
                #expect(try await RawHTTPClient.get(port: port, "/healthz", host: host).status == 200, "\(host)")
            }
            for host in ["proxy.internal:8444", "proxy.internal", "example.com", "other.dash.example.com"] {
                #expect(try await RawHTTPClient.get(port: port, "/healthz", host: host).status == 421, "\(host)")
            }
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func eventStreamsPastTheCapGet503AndADisconnectFreesASlot() async throws {
        let server = try await RunningDashboard.start(lake: MemoryLake()) { $0.maxEventStreams = 2 }
        do {
            let (first, firstHead) = try await RawHTTPClient.openEvents(port: server.port)
            let (second, secondHead) = try await RawHTTPClient.openEvents(port: server.port)
            #expect(firstHead.status == 200 && secondHead.status == 200)

            let (_, refused) = try await RawHTTPClient.openEvents(port: server.port)
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "5")
            #expect(refused.body.contains("2 live-update streams are open"), "\(refused.body)")
            Self.expectSecurityHeaders(refused.headers, "503")
            #expect(server.store.subscriberCount == 2, "a refused stream takes no slot")

            first.disconnect()
            // The server notices at its next write (a heartbeat) and frees the slot.
            await server.store.subscribersDropped(to: 1)
            let (third, thirdHead) = try await RawHTTPClient.openEvents(port: server.port)
            #expect(thirdHead.status == 200)
            #expect(try await third.awaitUpdate { _ in true }["status"] as? String == "waiting")
            withExtendedLifetime(second) {}
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }
}
