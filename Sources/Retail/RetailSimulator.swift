import Foundation
import Postgres
import Synchronization

/// The retail app: creates orders across branches and moves each one
/// NEW → INTRANSIT → DELIVERED after random delays, from several connections at once so
/// that transactions commit out of id order. Orders and status changes are stamped on a
/// `BusinessClock` that runs `timeScale` times faster than the wall clock, and each
/// branch has its own order share and delivery times (`BranchProfile`).
public final class RetailSimulator: Sendable {
    public struct Configuration: Sendable {
        public var dsn: String
        /// New orders per second, over all connections.
        public var rate: Double = 20
        public var branches = 8
        public var connections = 4
        /// Business seconds per wall second (1: real time; 3600: a wall second is an hour).
        public var timeScale: Double = 1
        /// Wall seconds an order waits before INTRANSIT, and again before DELIVERED; nil:
        /// the branch's business-hour delays, converted with `timeScale`.
        public var transitDelay: ClosedRange<Double>?
        public var deliveryDelay: ClosedRange<Double>?
        /// Stop after this long (`nil`: until stopped).
        public var duration: Duration?
        /// Stop after creating this many orders (`nil`: no limit).
        public var maxOrders: Int?
        /// Hold each transaction open up to this long before COMMIT, to mix commit order.
        public var commitJitter: Duration = .milliseconds(5)

        public init(dsn: String) { self.dsn = dsn }
    }

    public let configuration: Configuration
    let branchProfiles: [BranchProfile]
    let counters = SimulatorCounters()
    private let businessClock = Mutex<BusinessClock?>(nil)
    private let stopped = Atomic<Bool>(false)

    public init(configuration: Configuration) {
        self.configuration = configuration
        branchProfiles = BranchProfile.defaults(count: configuration.branches)
    }

    /// The business clock of the current run (nil before it starts).
    public var clock: BusinessClock? { businessClock.withLock { $0 } }

    /// Ends the run after the current transactions.
    public func stop() { stopped.store(true, ordering: .releasing) }

    /// The totals so far.
    public var totals: SimulatorCounters.Snapshot { counters.snapshot() }

    /// Checks the connection and the retail schema; throws one clear error otherwise.
    public func preflight() throws {
        let connection = try PostgresConnection(dsn: configuration.dsn, applicationName: "medallion simulate")
        let present = try connection.execute(
            "SELECT to_regclass('public.orders') IS NOT NULL AND to_regclass('public.ordershistory') IS NOT NULL").scalar
        guard present == "t" else {
            throw SimulatorError( "The retail tables orders and ordershistory do not exist; create them with `psql -f sql/retail.sql`.")
        }
    }

    /// Runs the workers until the duration or order limit is reached (with every order
    /// delivered) or `stop()` is called, calling `progress` about once a second.
    /// Blocks the calling thread.
    public func run(progress: @escaping @Sendable (SimulatorCounters.Snapshot) -> Void = { _ in }) throws {
        try preflight()
        // Business time continues from the latest change already written (a simulator run
        // before this one may have gone ahead of the wall clock), or starts now.
        let origin = try PostgresConnection(dsn: configuration.dsn, applicationName: "medallion simulate").execute("""
            SELECT extract(epoch FROM greatest(now(), (SELECT max(changed_at) FROM public.ordershistory)))::float8
            """).scalar.flatMap(Double.init) ?? Date().timeIntervalSince1970
        businessClock.withLock { $0 = BusinessClock(origin: Date(timeIntervalSince1970: origin), scale: configuration.timeScale) }
        let started = ContinuousClock.now
        let failures = Mutex<[any Error]>([])
        counters.workersRunning.store(configuration.connections, ordering: .relaxed)
        for index in 0..<configuration.connections {
            Thread { [self] in
                defer { counters.workersRunning.subtract(1, ordering: .relaxed) }
                do {
                    try RetailWorker(simulator: self, index: index).run()
                } catch {
                    failures.withLock { $0.append(error) }
                    stop()
                }
            }.start()
        }
        var reported = 0
        while counters.workersRunning.load(ordering: .relaxed) > 0 {
            Thread.sleep(forTimeInterval: 0.05)
            let elapsed = ContinuousClock.now - started
            if let duration = configuration.duration, elapsed >= duration { stop() }
            if Int(elapsed.components.seconds) > reported {
                reported = Int(elapsed.components.seconds)
                progress(counters.snapshot())
            }
        }
        if let error = failures.withLock({ $0.first }) { throw error }
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }
}
