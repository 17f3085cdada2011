/// Gold's per-day figures arranged for `/api/trends` and the trend charts: every day that
/// has orders, and per branch (by name) one point for each of those days. A day on which a
/// branch had no orders is a point with 0 orders and no delivery time.
struct BranchTrends: Sendable, Hashable {
    struct Point: Sendable, Hashable {
        var day: String
        var orderCount: Int
        var averageDeliveryHours: Double?
    }

    struct Series: Sendable, Hashable {
        var branch: String
        /// One per day of `days`, in the same order.
        var points: [Point]
    }

    /// The days, oldest first.
    var days: [String]
    var series: [Series]

    init(days: [String], series: [Series]) {
        self.days = days
        self.series = series
    }

    init(rows: [BranchDay]) {
        // ISO dates sort as text.
        let days = Set(rows.map(\.day)).sorted()
        var byBranch: [String: [String: BranchDay]] = [:]
        for row in rows { byBranch[row.branch, default: [:]][row.day] = row }
        self.days = days
        series = byBranch.keys.sorted().map { branch in
            let rows = byBranch[branch]!
            return Series(branch: branch, points: days.map { day in
                Point(day: day, orderCount: rows[day]?.orderCount ?? 0, averageDeliveryHours: rows[day]?.averageDeliveryHours)
            })
        }
    }

    /// The same figures for the last `count` days only.
    func suffix(_ count: Int) -> BranchTrends {
        guard days.count > count else { return self }
        return BranchTrends(days: Array(days.suffix(count)),
                            series: series.map { Series(branch: $0.branch, points: Array($0.points.suffix(count))) })
    }
}
