import Foundation

/// A line chart over days rendered as an inline SVG: one line per series in its colour
/// (dashed after the palette's eight colours), a dot per value with its exact figure in a
/// `<title>`, a value axis from 0 with round ticks, and some of the days labelled below.
/// A missing value breaks the line. The legend is drawn by the caller, shared by charts.
struct LineChart: Sendable {
    struct Series: Sendable, Equatable {
        var name: String
        var colour: String
        var dashed = false
        /// One per day; `nil` draws nothing for that day.
        var values: [Double?]
        /// The `<title>` text of each value, e.g. "Lisbon, 2026-01-01: 12 orders".
        var valueTexts: [String]
    }

    var id: String
    var title: String
    var valueAxisLabel: String
    var days: [String]
    var series: [Series]
    /// The text of a tick value.
    var tickText: @Sendable (Double) -> String

    /// Okabe–Ito colours (colour-blind safe), the low-contrast yellow last.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

    /// The colour and dash of the series at `index`.
    static func style(_ index: Int) -> (colour: String, dashed: Bool) {
        (palette[index % palette.count], index >= palette.count)
    }

    let width = 640.0
    let height = 300.0
    let left = 64.0
    let right = 40.0
    let top = 12.0
    let bottom = 56.0

    func svg() -> String {
        let plotWidth = width - left - right
        let plotBottom = height - bottom
        let ticks = SVGPlot.ticks(upTo: series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let scaleMaximum = ticks.last ?? 1
        func x(_ index: Int) -> Double {
            days.count > 1 ? left + Double(index) / Double(days.count - 1) * plotWidth : left + plotWidth / 2
        }
        func y(_ value: Double) -> Double { plotBottom - (scaleMaximum > 0 ? value / scaleMaximum * (plotBottom - top) : 0) }

        var svg = SVGPlot.open(id: id, classes: "chart line-chart", width: width, height: height, title: title)
        for tick in ticks {
            let position = SVGPlot.number(y(tick))
            svg += "<line class=\"grid\" x1=\"\(SVGPlot.number(left))\" y1=\"\(position)\" x2=\"\(SVGPlot.number(left + plotWidth))\" y2=\"\(position)\"/>"
            svg += "<text class=\"tick\" x=\"\(SVGPlot.number(left - 6))\" y=\"\(SVGPlot.number(y(tick) + 4))\" text-anchor=\"end\">\(HTML.escape(tickText(tick)))</text>"
        }
        // About six day labels, the last day always among them.
        let step = max(1, Int((Double(days.count) / 6).rounded(.up)))
        for index in days.indices where (days.count - 1 - index) % step == 0 {
            svg += "<text class=\"tick day\" x=\"\(SVGPlot.number(x(index)))\" y=\"\(SVGPlot.number(plotBottom + 16))\" text-anchor=\"middle\">\(HTML.escape(days[index]))</text>"
        }
        for line in series {
            let name = HTML.escape(line.name)
            let dash = line.dashed ? " stroke-dasharray=\"6 3\"" : ""
            svg += "<g class=\"series\" data-series=\"\(name)\"><title>\(name)</title>"
            var path = ""
            var drawing = false
            for (index, value) in line.values.enumerated() {
                guard let value else { drawing = false; continue }
                path += "\(drawing ? "L" : "M")\(SVGPlot.number(x(index))) \(SVGPlot.number(y(value)))"
                drawing = true
            }
            if !path.isEmpty {
                svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(line.colour)\" stroke-width=\"2\"\(dash)/>"
            }
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                let text = index < line.valueTexts.count ? line.valueTexts[index] : ""
                svg += "<circle class=\"point\" data-day=\"\(HTML.escape(days[index]))\" cx=\"\(SVGPlot.number(x(index)))\" "
                    + "cy=\"\(SVGPlot.number(y(value)))\" r=\"3\" fill=\"\(line.colour)\"><title>\(HTML.escape(text))</title></circle>"
            }
            svg += "</g>"
        }
        svg += SVGPlot.axes(left: left, top: top, right: left + plotWidth, bottom: plotBottom,
                            horizontalLabel: "Day (UTC)", labelGap: 40, verticalLabel: valueAxisLabel, labelX: 14)
        return svg + "</svg>"
    }
}
