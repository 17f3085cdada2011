import Foundation

/// Escaping and number formatting shared by the renderers.
enum HTML {
    /// Escapes text for an HTML (or SVG) text node or a quoted attribute.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A whole number with thousands separators: `12,345`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// A duration given in hours, in the unit that fits it: `45 min`, `2.4 h`, `3.1 days`.
    static func hours(_ value: Double) -> String {
        DurationUnit.format(hours: value)
    }

    /// A short duration for "… ago" texts: `4 s`, `3 min`, `2 h`, `5 days`.
    static func age(_ seconds: TimeInterval) -> String {
        let seconds = max(0, Int(seconds.rounded()))
        if seconds < 90 { return "\(seconds) s" }
        let minutes = (seconds + 30) / 60
        if minutes < 90 { return "\(minutes) min" }
        let hours = (minutes + 30) / 60
        if hours < 48 { return "\(hours) h" }
        return "\((hours + 12) / 24) days"
    }

    /// Milliseconds since 1970, for the page's script.
    static func epochMilliseconds(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }
}
