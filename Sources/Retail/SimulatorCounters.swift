import Synchronization

/// Running totals of the simulator, shared by its workers.
public final class SimulatorCounters: Sendable {
    let orders = Atomic<Int>(0)
    let transitions = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let workersRunning = Atomic<Int>(0)

    /// Totals at one moment.
    public struct Snapshot: Sendable, Equatable {
        public var orders: Int
        /// Status changes after NEW (INTRANSIT and DELIVERED).
        public var transitions: Int
        public var delivered: Int
        /// Orders created and not yet delivered.
        public var open: Int { orders - delivered }
    }

    public func snapshot() -> Snapshot {
        Snapshot(orders: orders.load(ordering: .relaxed), transitions: transitions.load(ordering: .relaxed),
                 delivered: delivered.load(ordering: .relaxed))
    }
}
