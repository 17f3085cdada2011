import Testing
@testable import Dashboard

@Suite struct BranchMetricsCSVTests {
    private func parse(_ text: String) throws(DashboardError) -> [BranchMetric] {
        try BranchMetricsCSV.parse(Array(text.utf8), path: "gold/branch_metrics/part-0.csv")
    }

    @Test func readsRowsWithAnEmptyAverageAsNoDeliveryYet() throws {
        let rows = try parse("branch,order_count,avg_delivery_hours\nLisbon,12,3.5\r\nPorto,4,\n")
        #expect(rows == [BranchMetric(branch: "Lisbon", orderCount: 12, averageDeliveryHours: 3.5),
                         BranchMetric(branch: "Porto", orderCount: 4, averageDeliveryHours: nil)])
    }

    @Test func acceptsColumnsInAnyOrderQuotesAndSparkEscapes() throws {
        let rows = try parse("avg_delivery_hours,branch,order_count,extra\n2,\"Vila \"\"Nova\"\", Gaia\",7,x\nnull,\"A\\\"B\",1,y")
        #expect(rows.map(\.branch) == ["Vila \"Nova\", Gaia", "A\"B"])
        #expect(rows.map(\.averageDeliveryHours) == [2, nil])
    }

    @Test func anEmptyPartHasNoRows() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("branch,order_count,avg_delivery_hours\n").isEmpty)
    }

    @Test(arguments: [
        ("branch,orders\nA,1", "no order_count column"),
        ("branch,order_count,avg_delivery_hours\nA,many,1", "order_count is not a whole number"),
        ("branch,order_count,avg_delivery_hours\nA,1,soon", "avg_delivery_hours is not a number"),
        ("branch,order_count,avg_delivery_hours\nA,1", "has 2 fields where the header has 3"),
        ("branch,order_count,avg_delivery_hours\n\"A,1,2", "ends inside a quoted field"),
        ("branch,order_count,avg_delivery_hours\n,1,2", "empty branch"),
    ])
    func rejectsMalformedFilesWithAClearMessage(_ text: String, _ expected: String) {
        #expect {
            try parse(text)
        } throws: { error in
            let error = error as! DashboardError
            return error.code == .malformedGold && error.message.contains(expected) && error.message.contains("part-0.csv")
        }
    }
}
