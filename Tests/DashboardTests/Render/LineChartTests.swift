import Testing
@testable import Dashboard

@Suite struct LineChartTests {
    let chart = LineChart(
        id: "t", title: "Orders per day", valueAxisLabel: "Orders", days: ["2026-01-01", "2026-01-02", "2026-01-03"],
        series: [
            .init(name: "Porto", colour: "#0072B2", values: [10, 20, 30], valueTexts: ["a", "b", "c"]),
            .init(name: "Lisbon & <Co>", colour: "#E69F00", dashed: true, values: [5, nil, 15], valueTexts: ["d", "e", "f"]),
        ],
        tickText: { "\(Int($0))" })

    @Test func drawsALinePerSeriesWithADotAndTitlePerValue() {
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg id=\"t\"") && svg.hasSuffix("</svg>") && svg.contains("role=\"img\""))
        #expect(svg.contains("<g class=\"series\" data-series=\"Lisbon &amp; &lt;Co&gt;\">"))
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 5)
        #expect(svg.contains("<title>b</title>") && !svg.contains("<title>e</title>"))
        #expect(svg.contains("stroke=\"#E69F00\" stroke-width=\"2\" stroke-dasharray=\"6 3\""))
        #expect(svg.contains(">2026-01-03</text>") && svg.contains(">Day (UTC)</text>") && svg.contains(">Orders</text>"))
    }

    /// A missing value breaks the line: Lisbon's path has two pieces, Porto's one.
    @Test func aMissingValueBreaksTheLine() {
        let paths = chart.svg().matches(of: /<path d="([^"]*)"/).map { String($0.output.1) }
        #expect(paths.count == 2)
        #expect(paths[0].filter { $0 == "M" }.count == 1 && paths[0].filter { $0 == "L" }.count == 2)
        #expect(paths[1].filter { $0 == "M" }.count == 2 && !paths[1].contains("L"))
    }

    /// Higher values are drawn higher (smaller y), from a zero baseline.
    @Test func higherValuesAreHigher() {
        let ys = chart.svg().matches(of: /<circle [^>]*cy="([0-9.]+)"/).map { Double($0.output.1)! }
        #expect(ys.count == 5 && ys[0] > ys[1] && ys[1] > ys[2] && ys[3] > ys[0])
    }

    @Test func eightColoursThenDashes() {
        #expect(Set((0..<8).map { LineChart.style($0).colour }).count == 8)
        #expect(!(0..<8).contains { LineChart.style($0).dashed })
        #expect(LineChart.style(8).colour == LineChart.palette[0] && LineChart.style(8).dashed)
    }
}
