import Foundation
import LakeContract
import Hummingbird
import Lake
import Logging
import Testing
import TestSupport
@testable import Dashboard

/// Every route against the router, with the lake read once per step (no timers).
@Suite struct DashboardRoutesTests {
    let memory = MemoryLake()
    let lake: SwitchableLake
    let store = GoldStore(state: DashboardState(instance: "t", staleAfter: 120))

    init() { lake = SwitchableLake(memory) }

    func refresh() async {
        let watcher = GoldWatcher(reader: GoldReader(lake: lake), store: store, pollInterval: .seconds(1),
                                  heartbeatInterval: .seconds(1), logger: Logger(label: "test"))
        store.apply(await watcher.poll())
    }

    func withClient(store: GoldStore? = nil, _ body: (RouterClient) async throws -> Void) async throws {
        try await body(RouterClient(router: DashboardRoutes.router(store: store ?? self.store, hosts: .testing, maxEventStreams: 64)))
    }

    static func json(_ response: RouterClient.Response) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as! [String: Any]
    }

    @Test func anEmptyLakeSaysSoPlainly() async throws {
        await refresh()
        try await withClient { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("No data yet") && html.contains("Waiting for the first bronze batch"))
            #expect(!html.contains("http://") && !html.contains("https://"), "the page must be self-contained")
            let api = try await client.execute(uri: "/api/branches", method: .get)
            #expect(api.status == .ok)
            let body = try Self.json(api)
            #expect(body["status"] as? String == "waiting")
            #expect((body["branches"] as? [Any])?.isEmpty == true)
            #expect(body["produced_at"] is NSNull)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok && String(buffer: health.body).contains("\"status\":\"ok\""))
            let fragment = try await client.execute(uri: "/fragment", method: .get)
            #expect(String(buffer: fragment.body).hasPrefix("<main id=\"live\" data-version=\"t-0\""))
        }
    }

    @Test func showsTheResultInCardsChartsAndTable() async throws {
        try GoldFixtures.writeJSON(lake, batch: 812, producedAt: LakeTimestamp.format(Date().addingTimeInterval(-4)),
                                   branches: GoldFixtures.threeBranches)
        try GoldFixtures.writeBookmark(lake, batch: 812, committedAt: LakeTimestamp.format(Date().addingTimeInterval(-2)))
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("<h2 id=\"card-most-orders-title\">Most orders</h2><p class=\"name\">Porto</p><p class=\"figure\">340 orders"))
            #expect(html.contains("<p class=\"name\">Lisbon</p><p class=\"figure\">3.5 h average delivery"))
            #expect(html.contains("id=\"chart-orders\"") && html.contains("id=\"chart-hours\""))
            #expect(html.contains("<title>Braga: no deliveries yet</title>"))
            #expect(html.contains("<th scope=\"row\">Porto</th><td class=\"number\">340</td><td class=\"number\">5.2 h</td>"))
            #expect(html.contains("The per-day figures appear with the next gold run."))
            #expect(html.contains("from bronze batch <span id=\"gold-batch\">812</span>"))
            #expect(html.contains("Capture: bronze batch <span id=\"bronze-batch\">812</span> committed"))
            #expect(!html.contains("role=\"alert\""))

            let api = try await client.execute(uri: "/api/branches", method: .get)
            #expect(api.status == .ok && api.headers[.contentType] == "application/json")
            let body = try Self.json(api)
            let branches = try #require(body["branches"] as? [[String: Any]])
            #expect(branches.map { $0["branch"] as? String } == ["Porto", "Lisbon", "Braga"])
            #expect(branches.map { $0["order_count"] as? Int } == [340, 120, 80])
            #expect(branches[1]["avg_delivery_hours"] as? Double == 3.5)
            #expect(branches[2]["avg_delivery_hours"] is NSNull)
            #expect(body["bronze_batch"] as? Int == 812 && body["bronze_latest_batch"] as? Int == 812)
            #expect(body["most_orders"] as? String == "Porto" && body["fastest_delivery"] as? String == "Lisbon")
            #expect(body["stale"] as? Bool == false && body["status"] as? String == "current")
            let age = try #require(body["gold_age_seconds"] as? Double)
            #expect(age >= 3 && age < 60)
            #expect(body["capture_lag_seconds"] is Double)
        }
    }

    /// Before gold, the page says what it waits for: the capture daemon, then the Spark driver.
    @Test func thePageSaysWhatItIsWaitingFor() async throws {
        try GoldFixtures.writeBookmark(lake, batch: 3)
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("Waiting for the first gold run: bronze batch 3 is committed and the Spark driver is starting (about 30 s on a cold machine)"))
        }
        try GoldFixtures.writeJSON(lake, batch: 3, branches: [])
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("<h2>No orders yet</h2>") && html.contains("no orders have arrived yet"))
        }
    }

    /// `/api/trends` has every day and, per branch, a point for each; the page has a trend
    /// chart per figure with a legend, durations in the unit that fits them.
    @Test func servesAndDrawsTheTrends() async throws {
        try await withClient { client in
            let empty = try await client.execute(uri: "/api/trends", method: .get)
            #expect(empty.status == .ok && String(buffer: empty.body) == "{\"branches\":[],\"days\":[]}")
        }
        try GoldFixtures.writeDaily(lake, batch: 812, rows: GoldFixtures.threeBranchesDaily)
        try GoldFixtures.writeJSON(lake, batch: 812, branches: GoldFixtures.threeBranches)
        await refresh()
        try await withClient { client in
            let api = try await client.execute(uri: "/api/trends", method: .get)
            #expect(api.status == .ok && api.headers[.contentType] == "application/json")
            let body = try Self.json(api)
            #expect(Set(body.keys) == ["days", "branches"])
            #expect(body["days"] as? [String] == ["2026-11-24", "2026-11-25"])
            let branches = try #require(body["branches"] as? [[String: Any]])
            #expect(branches.map { $0["branch"] as? String } == ["Braga", "Lisbon", "Porto"])
            #expect(branches.allSatisfy { Set($0.keys) == ["branch", "points"] })
            let braga = try #require(branches[0]["points"] as? [[String: Any]])
            #expect(braga.count == 2 && Set(braga[0].keys) == ["day", "order_count", "avg_delivery_hours"])
            #expect(braga[0]["day"] as? String == "2026-11-24" && braga[0]["order_count"] as? Int == 0
                && braga[0]["avg_delivery_hours"] is NSNull)
            let lisbon = try #require(branches[1]["points"] as? [[String: Any]])
            #expect(lisbon.map { $0["order_count"] as? Int } == [70, 50])
            #expect(lisbon.map { $0["avg_delivery_hours"] as? Double } == [0.25, 60])

            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("id=\"trend-orders\"") && html.contains("id=\"trend-hours\""))
            #expect(html.contains("<li data-series=\"Lisbon\">") && html.contains("id=\"trends-legend\""))
            #expect(html.contains("<title>Lisbon, 2026-11-24: 70 orders</title>"))
            #expect(html.contains("<title>Lisbon, 2026-11-24: 15 min</title>") && html.contains("<title>Lisbon, 2026-11-25: 2.5 days</title>"))
            #expect(html.contains(">Average delivery time (days)</text>"))
            #expect(!html.contains("<title>Porto, 2026-11-25: no deliveries</title>"), "no dot without a value")
            let fragment = String(buffer: try await client.execute(uri: "/fragment", method: .get).body)
            #expect(fragment.contains("id=\"trend-orders\""))
        }
    }

    @Test func malformedGoldIsAClearMessageOnThePageAnd503FromTheAPI() async throws {
        try GoldFixtures.writeCSV(lake, batch: 5, parts: [[("Lisbon", 1, 1)]])
        await refresh()
        try lake.writeAtomically("gold/branch_metrics/part-00000-abc.csv", data: Array("branch,orders\nLisbon,1\n".utf8))
        await refresh()
        try await withClient { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains("The gold result cannot be read."))
            #expect(html.contains("gold/branch_metrics/part-00000-abc.csv has no order_count column"))
            #expect(html.contains("Showing the last good result."))
            let api = try await client.execute(uri: "/api/branches", method: .get)
            #expect(api.status == .serviceUnavailable)
            let body = try Self.json(api)
            #expect(body["status"] as? String == "malformed")
            #expect((body["message"] as? String)?.contains("no order_count column") == true)
        }
    }

    @Test func malformedJSONBeforeAnyGoodResult() async throws {
        try lake.writeAtomically(GoldReader.jsonPath, data: Array("{not json".utf8))
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("gold/branch_metrics.json is not valid gold JSON (not JSON)."))
            #expect(try await client.execute(uri: "/api/branches", method: .get).status == .serviceUnavailable)
        }
    }

    @Test func anUnreachableLakeKeepsTheLastGoodResultAndSaysSo() async throws {
        try GoldFixtures.writeJSON(lake, batch: 812, branches: GoldFixtures.threeBranches)
        await refresh()
        lake.isDown = true
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("The lake is unreachable for 0 s."))
            #expect(html.contains("Showing the last good result.") && html.contains("<p class=\"name\">Porto</p>"))
            let api = try await client.execute(uri: "/api/branches", method: .get)
            #expect(api.status == .ok)
            let body = try Self.json(api)
            #expect(body["status"] as? String == "lake_unreachable" && (body["branches"] as? [Any])?.count == 3)
        }
        lake.isDown = false
        await refresh()
        try await withClient { client in
            let body = try Self.json(try await client.execute(uri: "/api/branches", method: .get))
            #expect(body["status"] as? String == "current")
        }
    }

    @Test func anUnreachableLakeWithNothingToShowIs503() async throws {
        lake.isDown = true
        await refresh()
        try await withClient { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok && String(buffer: page.body).contains("The lake is unreachable"))
            #expect(try await client.execute(uri: "/api/branches", method: .get).status == .serviceUnavailable)
        }
    }

    @Test func aLakeDirectoryThatDisappearsKeepsTheLastGoodResult() async throws {
        let root = NSTemporaryDirectory() + "/medallion-dash-\(UUID().uuidString.prefix(8))"
        let local = LocalLake(root: root)
        try GoldFixtures.writeCSV(local, batch: 9, parts: [GoldFixtures.threeBranches])
        let store = GoldStore(state: DashboardState(instance: "t", staleAfter: 120))
        let watcher = GoldWatcher(reader: GoldReader(lake: local), store: store, pollInterval: .seconds(1),
                                  heartbeatInterval: .seconds(1), logger: Logger(label: "test"))
        store.apply(await watcher.poll())
        try FileManager.default.removeItem(atPath: root)
        #expect(store.apply(await watcher.poll()) == .update)
        try await withClient(store: store) { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("Gold has disappeared from the lake.") && html.contains("<p class=\"name\">Porto</p>"))
            let body = try Self.json(try await client.execute(uri: "/api/branches", method: .get))
            #expect(body["status"] as? String == "gold_missing" && body["bronze_batch"] as? Int == 9)
        }
    }

    @Test func aStalePipelineIsAVisibleWarning() async throws {
        try GoldFixtures.writeJSON(lake, batch: 800, producedAt: "2020-01-01T00:00:00Z", branches: GoldFixtures.threeBranches)
        try GoldFixtures.writeBookmark(lake, batch: 812)
        await refresh()
        try await withClient { client in
            let html = String(buffer: try await client.execute(uri: "/", method: .get).body)
            #expect(html.contains("The pipeline is stale."))
            #expect(html.contains("from bronze batch 800, but bronze is at batch 812"))
            let body = try Self.json(try await client.execute(uri: "/api/branches", method: .get))
            #expect(body["stale"] as? Bool == true)
        }
    }

    @Test func unknownRoutesAre404() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/nope", method: .get)
            #expect(response.status == .notFound)
        }
    }
}
