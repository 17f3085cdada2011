import Testing
@testable import Dashboard

@Suite struct BarChartTests {
    let chart = BarChart(id: "c", title: "Orders per branch", valueAxisLabel: "Orders", categoryAxisLabel: "Branch", bars: [
        .init(label: "Porto", value: 340, valueText: "340 orders", isHighlighted: true),
        .init(label: "Lisbon & <Co>", value: 120, valueText: "120 orders"),
        .init(label: "Braga", value: nil, valueText: "no deliveries yet"),
    ])

    @Test func drawsOneLabelledBarPerCategoryInOrderWithTitles() {
        let svg = chart.svg()
        let porto = svg.range(of: "<title>Porto: 340 orders</title>")
        let lisbon = svg.range(of: "<title>Lisbon &amp; &lt;Co&gt;: 120 orders</title>")
        #expect(porto != nil && lisbon != nil)
        #expect(porto!.lowerBound < lisbon!.lowerBound)
        #expect(svg.contains("<title>Braga: no deliveries yet</title>"))
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 2)
        #expect(svg.contains("fill=\"\(BarChart.highlightColour)\""))
        #expect(svg.contains(">Orders</text>") && svg.contains(">Branch</text>"))
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>") && svg.contains("role=\"img\""))
    }

    @Test func longerBarsForLargerValues() throws {
        let svg = chart.svg()
        let widths = svg.matches(of: /<rect [^>]*width="([0-9.]+)"/).map { Double($0.output.1)! }
        #expect(widths.count == 2 && widths[0] > widths[1] * 2.5)
    }

    static let tickCases: [(Double, [Double])] = [
        (0, [0, 1]), (340, [0, 100, 200, 300, 400]), (7.3, [0, 2, 4, 6, 8]), (0.42, [0, 0.1, 0.2, 0.3, 0.4, 0.5]),
    ]

    @Test(arguments: tickCases)
    func ticksAreRoundAndCoverTheMaximum(_ maximum: Double, _ expected: [Double]) {
        let ticks = SVGPlot.ticks(upTo: maximum)
        #expect(ticks.count == expected.count)
        for (tick, want) in zip(ticks, expected) { #expect(abs(tick - want) < 1e-9) }
    }
}
