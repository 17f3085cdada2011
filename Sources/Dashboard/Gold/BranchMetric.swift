/// One row of gold's `branch_metrics`: how many orders a branch received and how long its
/// delivered orders took on average.
struct BranchMetric: Sendable, Hashable {
    var branch: String
    var orderCount: Int
    /// `nil` while the branch has no delivered order.
    var averageDeliveryHours: Double?
}
