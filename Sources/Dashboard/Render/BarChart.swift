import Foundation

/// A horizontal bar chart rendered as an inline SVG: one bar per category in the order
/// given, category labels on the left, a value axis with ticks and a label below, each
/// bar's exact value in a `<title>` (shown on hover and read by screen readers) and at the
/// bar's end. Colours are from the Okabe–Ito colour-blind-safe palette; the highlighted
/// bar is also marked by bold text, not by colour alone.
struct BarChart: Sendable {
    struct Bar: Sendable, Equatable {
        var label: String
        /// `nil` draws no bar, only `valueText` (e.g. "no deliveries yet").
        var value: Double?
        var valueText: String
        var isHighlighted = false
    }

    var id: String
    var title: String
    var valueAxisLabel: String
    var categoryAxisLabel: String
    var bars: [Bar]

    static let barColour = "#0072B2"        // Okabe–Ito blue
    static let highlightColour = "#E69F00"  // Okabe–Ito orange

    private let width = 640.0
    private let rowHeight = 30.0
    private let barHeight = 20.0
    private let top = 8.0
    private let bottom = 48.0
    private let right = 96.0

    init(id: String, title: String, valueAxisLabel: String, categoryAxisLabel: String, bars: [Bar]) {
        self.id = id
        self.title = title
        self.valueAxisLabel = valueAxisLabel
        self.categoryAxisLabel = categoryAxisLabel
        self.bars = bars
    }

    func svg() -> String {
        let longest = bars.map(\.label.count).max() ?? 0
        let left = min(200, max(70, Double(longest) * 7.5 + 36))
        let plotWidth = width - left - right
        let height = top + Double(max(bars.count, 1)) * rowHeight + bottom
        let maximum = bars.compactMap(\.value).max() ?? 0
        let ticks = SVGPlot.ticks(upTo: maximum)
        let scaleMaximum = ticks.last ?? 1
        func x(_ value: Double) -> Double { left + (scaleMaximum > 0 ? value / scaleMaximum * plotWidth : 0) }
        let plotBottom = top + Double(bars.count) * rowHeight

        var svg = SVGPlot.open(id: id, classes: "chart", width: width, height: height, title: title)
        for tick in ticks {
            let position = SVGPlot.number(x(tick))
            svg += "<line class=\"grid\" x1=\"\(position)\" y1=\"\(SVGPlot.number(top))\" x2=\"\(position)\" y2=\"\(SVGPlot.number(plotBottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(position)\" y=\"\(SVGPlot.number(plotBottom + 16))\" text-anchor=\"middle\">\(Self.tickText(tick))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let rowTop = top + Double(index) * rowHeight
            let middle = SVGPlot.number(rowTop + rowHeight / 2 + 4)
            let label = HTML.escape(bar.label)
            let weight = bar.isHighlighted ? " font-weight=\"bold\"" : ""
            svg += "<g class=\"bar\" data-label=\"\(label)\"><title>\(label): \(HTML.escape(bar.valueText))</title>"
            svg += "<text class=\"label\" x=\"\(SVGPlot.number(left - 8))\" y=\"\(middle)\" text-anchor=\"end\"\(weight)>\(label)</text>"
            var end = left
            if let value = bar.value {
                end = x(value)
                let colour = bar.isHighlighted ? Self.highlightColour : Self.barColour
                svg += "<rect x=\"\(SVGPlot.number(left))\" y=\"\(SVGPlot.number(rowTop + (rowHeight - barHeight) / 2))\" "
                    + "width=\"\(SVGPlot.number(max(end - left, value > 0 ? 1 : 0)))\" height=\"\(SVGPlot.number(barHeight))\" fill=\"\(colour)\"/>"
            }
            svg += "<text class=\"value\" x=\"\(SVGPlot.number(end + 6))\" y=\"\(middle)\"\(weight)>\(HTML.escape(bar.valueText))</text></g>"
        }
        svg += SVGPlot.axes(left: left, top: top, right: left + plotWidth, bottom: plotBottom,
                            horizontalLabel: valueAxisLabel, labelGap: 38, verticalLabel: categoryAxisLabel, labelX: 12)
        return svg + "</svg>"
    }

    private static func tickText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? HTML.count(Int(value)) : String(format: "%g", value)
    }
}
