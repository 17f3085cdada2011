import Foundation
import LakeContract
import Lake
import Logging
import Testing
import TestSupport
@testable import Dashboard

/// The real server on a free port: the event stream, the routes over TCP, and graceful
/// shutdown ending open streams.
@Suite struct LiveServerTests {
    /// Runs a dashboard on `lake` until `body` returns, then shuts it down gracefully and
    /// waits for it to exit.
    static func withServer(lake: any LakeStorage, _ body: (Int) async throws -> Void) async throws {
        let server = try await RunningDashboard.start(lake: lake)
        do {
            try await body(server.port)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func eventsAnnounceANewResultAndShutdownEndsTheStream() async throws {
        let root = try Repository.temporaryDirectory("medallion-dashboard")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let lake = LocalLake(root: root)
        var events: RawHTTPClient?
        try await Self.withServer(lake: lake) { port in
            let (client, head) = try await RawHTTPClient.openEvents(port: port)
            events = client
            #expect(head.status == 200)
            #expect(head.headers["content-type"] == "text/event-stream")
            #expect(head.headers["cache-control"] == "no-cache")
            let first = try await client.awaitUpdate { _ in true }
            #expect(first["status"] as? String == "waiting")

            try GoldFixtures.writeJSON(lake, batch: 2, producedAt: LakeTimestamp.format(Date()), branches: GoldFixtures.threeBranches)
            let update = try await client.awaitUpdate { $0["bronze_batch"] as? Int == 2 }
            #expect(update["status"] as? String == "current")
            #expect((update["version"] as? String)?.hasSuffix("-1") == true)

            let page = try await RawHTTPClient.get(port: port, "/")
            #expect(page.status == 200 && page.body.contains("<p class=\"name\">Porto</p>"))
            let api = try await RawHTTPClient.get(port: port, "/api/branches")
            #expect(api.status == 200 && api.body.contains("\"bronze_batch\":2"))

            try GoldFixtures.writeBookmark(lake, batch: 3)
            while let event = try await client.nextEvent(), event.name != "bronze" {}
            let health = try await RawHTTPClient.get(port: port, "/healthz")
            #expect(health.status == 200 && health.body.contains("\"subscribers\":1"))
        }
        // Graceful shutdown closed the stream (the server exited with it open).
        let client = try #require(events)
        while try await client.nextEvent() != nil {}
    }

    @Test func aPageThatReconnectsGetsTheCurrentVersionAtOnce() async throws {
        let lake = MemoryLake()
        try GoldFixtures.writeCSV(lake, batch: 4, parts: [GoldFixtures.threeBranches])
        try await Self.withServer(lake: lake) { port in
            let (first, _) = try await RawHTTPClient.openEvents(port: port)
            let current = try await first.awaitUpdate { $0["bronze_batch"] as? Int == 4 }
            let (second, _) = try await RawHTTPClient.openEvents(port: port)
            let again = try await second.awaitUpdate { _ in true }
            #expect(again["version"] as? String == current["version"] as? String)
        }
    }
}
