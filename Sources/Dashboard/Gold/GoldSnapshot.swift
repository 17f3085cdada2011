import Foundation

/// One published gold result: the metrics per branch, the per-day figures, and the marker
/// saying when it was produced and from which bronze batch.
struct GoldSnapshot: Sendable, Hashable {
    var branches: [BranchMetric]
    /// `branch_daily`'s rows (none when gold has not published them).
    var days: [BranchDay] = []
    /// When the gold job produced the result (`produced_at`), if the marker says.
    var producedAt: Date?
    /// The last bronze batch the result covers (`bronze_batch`), if the marker says.
    var bronzeBatch: Int?

    var trends: BranchTrends { BranchTrends(rows: days) }

    /// The branches by order count, most first (ties by name).
    var byOrders: [BranchMetric] {
        branches.sorted { ($0.orderCount, $1.branch) > ($1.orderCount, $0.branch) }
    }

    /// The branches by average delivery hours, lowest first; branches with no delivered
    /// order last (by name).
    var byDeliveryHours: [BranchMetric] {
        branches.sorted { left, right in
            switch (left.averageDeliveryHours, right.averageDeliveryHours) {
            case let (l?, r?): return l != r ? l < r : left.branch < right.branch
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return left.branch < right.branch
            }
        }
    }

    /// The branch that received the most orders (none when there are no orders at all).
    var mostOrders: BranchMetric? {
        byOrders.first.flatMap { $0.orderCount > 0 ? $0 : nil }
    }

    /// The branch with the lowest average delivery time (none before any delivery).
    var fastestDelivery: BranchMetric? {
        byDeliveryHours.first.flatMap { $0.averageDeliveryHours == nil ? nil : $0 }
    }
}
