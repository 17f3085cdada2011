import Foundation
import Postgres

/// One connection of the simulator: creates its share of orders and advances the
/// orders it created when they are due.
struct RetailWorker {
    let simulator: RetailSimulator
    let index: Int

    private struct Pending {
        var due: ContinuousClock.Instant
        var orderID: String
        var next: String
        /// Wall time from INTRANSIT to DELIVERED.
        var remaining: Duration
    }

    func run() throws {
        let configuration = simulator.configuration
        guard let clock = simulator.clock else { return }
        let connection = try PostgresConnection(dsn: configuration.dsn, applicationName: "medallion simulate")
        var generator = SystemRandomNumberGenerator()
        let interval = Double(configuration.connections) / max(configuration.rate, 0.001)
        var nextOrder = ContinuousClock.now + .seconds(Double.random(in: 0..<interval, using: &generator))
        var pending: [Pending] = []
        var creating = true
        while !simulator.isStopped {
            let now = ContinuousClock.now
            if creating, now >= nextOrder {
                if let limit = configuration.maxOrders, simulator.counters.orders.add(1, ordering: .relaxed).newValue > limit {
                    simulator.counters.orders.subtract(1, ordering: .relaxed)
                    creating = false
                } else {
                    if configuration.maxOrders == nil { simulator.counters.orders.add(1, ordering: .relaxed) }
                    let branch = BranchProfile.pick(simulator.branchProfiles, atDay: clock.days(at: now), using: &generator)
                    let id = try createOrder(connection, branch: branch.name, at: clock.time(at: now), &generator)
                    // Transit takes about a sixth of the delivery time; the rest is the road.
                    let total = branch.deliveryHours(atDay: clock.days(at: now), using: &generator)
                    let transit = configuration.transitDelay.map { .seconds(Double.random(in: $0, using: &generator)) }
                        ?? clock.wallDuration(businessHours: total * Double.random(in: 0.1...0.25, using: &generator))
                    let delivery = configuration.deliveryDelay.map { .seconds(Double.random(in: $0, using: &generator)) }
                        ?? clock.wallDuration(businessHours: total) - transit
                    pending.append(Pending(due: now + transit, orderID: id, next: "INTRANSIT", remaining: max(delivery, .zero)))
                    nextOrder += .seconds(interval)
                    if nextOrder < now - .seconds(1) { nextOrder = now }
                }
            }
            if let dueIndex = pending.indices.min(by: { pending[$0].due < pending[$1].due }), pending[dueIndex].due <= now {
                let order = pending.remove(at: dueIndex)
                // Stamped with when it was due, not when this loop got to it.
                try advance(connection, order.orderID, to: order.next, at: clock.time(at: order.due), &generator)
                simulator.counters.transitions.add(1, ordering: .relaxed)
                if order.next == "INTRANSIT" {
                    pending.append(Pending(due: order.due + order.remaining, orderID: order.orderID, next: "DELIVERED", remaining: .zero))
                } else {
                    simulator.counters.delivered.add(1, ordering: .relaxed)
                }
                continue
            }
            if !creating && pending.isEmpty { return }
            let wakeUp = min(creating ? nextOrder : .now + .seconds(1), pending.map(\.due).min() ?? .now + .seconds(1))
            let wait = min(max(wakeUp - .now, .zero), .milliseconds(50))
            if wait > .zero { Thread.sleep(forTimeInterval: Double(wait.components.attoseconds) / 1e18) }
        }
    }

    private func createOrder(_ connection: PostgresConnection, branch: String, at time: Date,
                             _ generator: inout SystemRandomNumberGenerator) throws -> String {
        let stamp = BusinessClock.epoch(time)
        let customer = "customer-\(Int.random(in: 1...50_000, using: &generator))"
        let amount = String(format: "%.2f", Double.random(in: 5...500, using: &generator))
        try connection.execute("BEGIN")
        let id = try connection.execute("""
            INSERT INTO public.orders (branch, customer, amount, status, created_at, updated_at)
            VALUES ($1, $2, $3::numeric, 'NEW', to_timestamp($4::float8), to_timestamp($4::float8)) RETURNING id
            """, [branch, customer, amount, stamp]).scalar ?? ""
        try connection.execute("""
            INSERT INTO public.ordershistory (order_id, status, changed_at) VALUES ($1::bigint, 'NEW', to_timestamp($2::float8))
            """, [id, stamp])
        jitter(&generator)
        try connection.execute("COMMIT")
        return id
    }

    private func advance(_ connection: PostgresConnection, _ id: String, to status: String, at time: Date,
                         _ generator: inout SystemRandomNumberGenerator) throws {
        let stamp = BusinessClock.epoch(time)
        try connection.execute("BEGIN")
        try connection.execute("UPDATE public.orders SET status = $2, updated_at = to_timestamp($3::float8) WHERE id = $1::bigint",
                               [id, status, stamp])
        try connection.execute("""
            INSERT INTO public.ordershistory (order_id, status, changed_at) VALUES ($1::bigint, $2, to_timestamp($3::float8))
            """, [id, status, stamp])
        jitter(&generator)
        try connection.execute("COMMIT")
    }

    private func jitter(_ generator: inout SystemRandomNumberGenerator) {
        let limit = Double(simulator.configuration.commitJitter.components.attoseconds) / 1e18
            + Double(simulator.configuration.commitJitter.components.seconds)
        if limit > 0 { Thread.sleep(forTimeInterval: Double.random(in: 0...limit, using: &generator)) }
    }
}
