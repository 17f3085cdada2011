import Foundation
import Testing
import TestSupport
@testable import Retail

/// The demo's retail app: a business clock faster than the wall clock, and branches that
/// differ clearly in order share and delivery time.
@Suite("Retail simulator", .serialized)
struct SimulatorTests {
    @Test("the business clock runs time-scale times faster than the wall clock")
    func businessClock() {
        let started = ContinuousClock.now
        let origin = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = BusinessClock(origin: origin, scale: 3600, started: started)
        #expect(clock.time(at: started + .seconds(2)) == origin.addingTimeInterval(7200))
        #expect(clock.wallDuration(businessHours: 24) == .seconds(24))
        #expect(clock.days(at: started + .seconds(48)) == 2)
    }

    @Test("branches are named places; the busiest gets several times the orders of the quietest, and delivery times differ")
    func branchProfiles() {
        let branches = BranchProfile.defaults(count: 8)
        #expect(Set(branches.map(\.name)).count == 8 && branches[0].name == "London")
        #expect(BranchProfile.defaults(count: 14).last?.name == "Branch 14")
        var generator = SystemRandomNumberGenerator()
        var counts: [String: Int] = [:]
        for _ in 0..<20_000 { counts[BranchProfile.pick(branches, atDay: 0.5, using: &generator).name, default: 0] += 1 }
        #expect(counts["London", default: 0] > 3 * counts["Belfast", default: 0], "\(counts)")
        let median = { (branch: BranchProfile) -> Double in
            let samples = (0..<2001).map { _ in branch.deliveryHours(atDay: 0, using: &generator) }.sorted()
            return samples[1000]
        }
        let bristol = median(branches.first { $0.name == "Bristol" }!)
        let belfast = median(branches.first { $0.name == "Belfast" }!)
        #expect(bristol > 1 && belfast > 2.5 * bristol, "Bristol \(bristol) h, Belfast \(belfast) h")
    }

    @Test("simulate stamps orders in business time: deliveries take hours, not seconds, across named branches")
    func simulateInBusinessTime() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let result = try database.medallion(["simulate", "--orders", "60", "--rate", "200", "--time-scale", "36000"])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("simulate: done: 60 orders, 120 status changes, 60 delivered"), "\(result.output)")
        let figures = try database.sql("""
            SELECT count(DISTINCT o.branch) || ' ' || min(extract(epoch FROM d.changed_at - n.changed_at) / 3600)::int || ' '
                   || (extract(epoch FROM max(d.changed_at) - min(n.changed_at)) / 3600 >= 5)
            FROM orders o JOIN ordershistory n ON n.order_id = o.id AND n.status = 'NEW'
            JOIN ordershistory d ON d.order_id = o.id AND d.status = 'DELIVERED'
            """).split(separator: " ")
        #expect(Int(figures[0]) ?? 0 >= 3, "\(figures)")
        #expect(figures[2] == "true", "the run spans hours of business time: \(figures)")
        #expect(try database.sql("SELECT count(*) FROM orders WHERE branch LIKE 'branch-%'") == "0")
        // Each history row is stamped in order: NEW before INTRANSIT before DELIVERED.
        #expect(try database.sql("""
            SELECT count(*) FROM ordershistory n JOIN ordershistory t ON t.order_id = n.order_id AND t.status = 'INTRANSIT'
            JOIN ordershistory d ON d.order_id = n.order_id AND d.status = 'DELIVERED'
            WHERE n.status = 'NEW' AND NOT (n.changed_at < t.changed_at AND t.changed_at < d.changed_at)
            """) == "0")
        let zero = try database.medallion(["simulate", "--orders", "1", "--time-scale", "0"])
        #expect(zero.status == 64, "\(zero.error)")
    }

    @Test("SIGTERM and SIGINT stop simulate after the transactions in flight: it exits 0 and its totals match the database",
          arguments: [SIGTERM, SIGINT])
    func stopsOnSignal(_ number: Int32) throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let simulate = try ChildProcess(Repository.medallionExecutable(), ["simulate", "--rate", "200"], environment: database.environment)
        defer { simulate.signal(SIGKILL) }
        try Poll.until("simulate writes orders") { try database.sql("SELECT count(*) > 0 FROM orders") == "t" }
        simulate.signal(number)
        #expect(try simulate.waitForExit(timeout: 30) == 0, "\(simulate.output)")
        let orders = try database.sql("SELECT count(*) FROM orders")
        #expect(simulate.output.contains("simulate: done: \(orders) orders"), "\(orders) orders in the database:\n\(simulate.output)")
    }
}
