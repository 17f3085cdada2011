import Foundation

/// The body of `GET /api/trends`: gold's per-day figures, `{"days": [...], "branches":
/// [{"branch", "points": [{"day", "order_count", "avg_delivery_hours"}]}]}`, branches by
/// name, one point per day (0 orders and `null` hours on a day without orders; `null` hours
/// also when none of the day's orders is delivered). Empty arrays before any result.
struct TrendsPayload: JSONPayload {
    struct Branch: Encodable {
        var branch: String
        var points: [FiguresRow]
    }

    var days: [String]
    var branches: [Branch]

    init(state: DashboardState) {
        let trends = state.snapshot?.trends ?? BranchTrends(days: [], series: [])
        days = trends.days
        branches = trends.series.map { series in
            Branch(branch: series.branch, points: series.points.map {
                FiguresRow(labelKey: "day", label: $0.day, orderCount: $0.orderCount, averageDeliveryHours: $0.averageDeliveryHours)
            })
        }
    }
}
