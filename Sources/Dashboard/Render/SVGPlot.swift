import Foundation

/// What the dashboard's charts share: the `<svg>` element with its accessible title, the
/// two axis lines, the rotated and horizontal axis labels, round ticks and coordinates.
enum SVGPlot {
    /// The opening `<svg>` tag (scaled by its viewBox) and its `<title>`.
    static func open(id: String, classes: String, width: Double, height: Double, title: String) -> String {
        """
        <svg id="\(id)" class="\(classes)" viewBox="0 0 \(number(width)) \(number(height))" \
        role="img" aria-labelledby="\(id)-title" xmlns="http://www.w3.org/2000/svg">\
        <title id="\(id)-title">\(HTML.escape(title))</title>
        """
    }

    /// The vertical axis at `left` and the horizontal one at `bottom`, labelled: the
    /// horizontal label `labelGap` below the axis, the vertical one rotated at `labelX`.
    static func axes(left: Double, top: Double, right: Double, bottom: Double,
                     horizontalLabel: String, labelGap: Double, verticalLabel: String, labelX: Double) -> String {
        let middle = number((top + bottom) / 2)
        return "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(bottom))\"/>"
            + "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(bottom))\" x2=\"\(number(right))\" y2=\"\(number(bottom))\"/>"
            + "<text class=\"axis-label\" x=\"\(number((left + right) / 2))\" y=\"\(number(bottom + labelGap))\" text-anchor=\"middle\">\(HTML.escape(horizontalLabel))</text>"
            + "<text class=\"axis-label\" x=\"\(number(labelX))\" y=\"\(middle)\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(number(labelX)) \(middle))\">\(HTML.escape(verticalLabel))</text>"
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

    /// A coordinate with one decimal.
    static func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
