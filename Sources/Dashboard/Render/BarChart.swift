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
        let ticks = Self.ticks(upTo: maximum)
        let scaleMaximum = ticks.last ?? 1
        func x(_ value: Double) -> Double { left + (scaleMaximum > 0 ? value / scaleMaximum * plotWidth : 0) }
        let plotBottom = top + Double(bars.count) * rowHeight

        var svg = """
            <svg id="\(id)" class="chart" viewBox="0 0 \(Self.number(width)) \(Self.number(height))" \
            role="img" aria-labelledby="\(id)-title" xmlns="http://www.w3.org/2000/svg">\
            <title id="\(id)-title">\(HTML.escape(title))</title>
            """
        for tick in ticks {
            let position = Self.number(x(tick))
            svg += "<line class=\"grid\" x1=\"\(position)\" y1=\"\(Self.number(top))\" x2=\"\(position)\" y2=\"\(Self.number(plotBottom))\"/>"
            svg += "<text class=\"tick\" x=\"\(position)\" y=\"\(Self.number(plotBottom + 16))\" text-anchor=\"middle\">\(Self.tickText(tick))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let rowTop = top + Double(index) * rowHeight
            let middle = Self.number(rowTop + rowHeight / 2 + 4)
            let label = HTML.escape(bar.label)
            let weight = bar.isHighlighted ? " font-weight=\"bold\"" : ""
            svg += "<g class=\"bar\" data-label=\"\(label)\"><title>\(label): \(HTML.escape(bar.valueText))</title>"
            svg += "<text class=\"label\" x=\"\(Self.number(left - 8))\" y=\"\(middle)\" text-anchor=\"end\"\(weight)>\(label)</text>"
            var end = left
            if let value = bar.value {
                end = x(value)
                let colour = bar.isHighlighted ? Self.highlightColour : Self.barColour
                svg += "<rect x=\"\(Self.number(left))\" y=\"\(Self.number(rowTop + (rowHeight - barHeight) / 2))\" "
                    + "width=\"\(Self.number(max(end - left, value > 0 ? 1 : 0)))\" height=\"\(Self.number(barHeight))\" fill=\"\(colour)\"/>"
            }
            svg += "<text class=\"value\" x=\"\(Self.number(end + 6))\" y=\"\(middle)\"\(weight)>\(HTML.escape(bar.valueText))</text></g>"
        }
        svg += "<line class=\"axis\" x1=\"\(Self.number(left))\" y1=\"\(Self.number(top))\" x2=\"\(Self.number(left))\" y2=\"\(Self.number(plotBottom))\"/>"
        svg += "<line class=\"axis\" x1=\"\(Self.number(left))\" y1=\"\(Self.number(plotBottom))\" x2=\"\(Self.number(left + plotWidth))\" y2=\"\(Self.number(plotBottom))\"/>"
        svg += "<text class=\"axis-label\" x=\"\(Self.number(left + plotWidth / 2))\" y=\"\(Self.number(plotBottom + 38))\" text-anchor=\"middle\">\(HTML.escape(valueAxisLabel))</text>"
        svg += "<text class=\"axis-label\" x=\"12\" y=\"\(Self.number((top + plotBottom) / 2))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 12 \(Self.number((top + plotBottom) / 2)))\">\(HTML.escape(categoryAxisLabel))</text>"
        return svg + "</svg>"
    }

    /// Round tick values from 0 covering `maximum` (steps of 1, 2 or 5 × 10ⁿ, about five ticks).
    static func ticks(upTo maximum: Double) -> [Double] {
        guard maximum > 0 else { return [0, 1] }
        let rough = maximum / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let count = Int((maximum / step).rounded(.up))
        return (0...max(count, 1)).map { Double($0) * step }
    }

    private static func tickText(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? HTML.count(Int(value)) : String(format: "%g", value)
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
