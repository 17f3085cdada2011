import Foundation

/// The body of `GET /api/trends`: gold's per-day figures, `{"days": [...], "branches":
/// [{"branch", "points": [{"day", "order_count", "avg_delivery_hours"}]}]}`, branches by
/// name, one point per day (0 orders and `null` hours on a day without orders; `null` hours
/// also when none of the day's orders is delivered). Empty arrays before any result.
struct TrendsPayload: Encodable {
    struct Point: Encodable {
        var day: String
        var orderCount: Int
        var averageDeliveryHours: Double?

        enum CodingKeys: String, CodingKey {
            case day, orderCount = "order_count", averageDeliveryHours = "avg_delivery_hours"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(day, forKey: .day)
            try container.encode(orderCount, forKey: .orderCount)
            try container.encode(averageDeliveryHours, forKey: .averageDeliveryHours)
        }
    }

    struct Branch: Encodable {
        var branch: String
        var points: [Point]
    }

    var days: [String]
    var branches: [Branch]

    init(state: DashboardState) {
        let trends = state.snapshot?.trends ?? BranchTrends(days: [], series: [])
        days = trends.days
        branches = trends.series.map { series in
            Branch(branch: series.branch, points: series.points.map {
                Point(day: $0.day, orderCount: $0.orderCount, averageDeliveryHours: $0.averageDeliveryHours)
            })
        }
    }

    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every value here is encodable; a failure would be a programming error.
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
