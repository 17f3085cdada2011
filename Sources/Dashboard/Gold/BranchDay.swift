/// One row of gold's `branch_daily`: a branch's orders on one UTC day (the day of their NEW
/// change) and how long those of them already delivered took on average.
struct BranchDay: Sendable, Hashable {
    var branch: String
    /// `YYYY-MM-DD`.
    var day: String
    var orderCount: Int
    /// `nil` while none of the day's orders is delivered.
    var averageDeliveryHours: Double?
}
