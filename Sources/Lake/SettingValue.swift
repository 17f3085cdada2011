import Foundation

/// Durations and numbers as flags and environment variables give them, parsed strictly and
/// checked against bounds, so nonsense (`1e400s`, `inf`, `nan`, `-1`, `0x10`, an empty
/// value) is an error that says what to write instead, never a trap or a silent clamp.
///
/// A duration is a decimal number with a unit, `ms`, `s`, `m` or `h` (`250ms`, `1.5s`,
/// `2m`, `1h`); a bare number is seconds, everywhere.
///
/// ```swift
/// let interval = try SettingValue.duration("250ms", in: .milliseconds(10) ... .hours(24))
/// ```
public enum SettingValue {
    /// Why a value was refused, as the end of a sentence that begins with the setting and
    /// the value: `is not between 10ms and 24h`.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        /// What is wrong and what to write instead.
        public var reason: String

        public var description: String { reason }
    }

    /// The longest duration any setting accepts; keeps every conversion far from overflow.
    static let longest: Duration = .seconds(366 * 86_400)

    /// Parses `text` as a duration within `range`.
    public static func duration(_ text: String, in range: ClosedRange<Duration>) throws(Invalid) -> Duration {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = units.first { trimmed.hasSuffix($0.suffix) }
        let digits = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        let bounds = "between \(format(range.lowerBound)) and \(format(range.upperBound))"
        guard let number = decimal(digits) else {
            throw Invalid(reason: "is not a duration; write a number and a unit, e.g. 250ms, 2s, 1.5m or 1h (a bare number is seconds), \(bounds)")
        }
        let total = number * (unit?.seconds ?? 1)
        guard total <= seconds(of: min(range.upperBound, longest)) else { throw Invalid(reason: "is not \(bounds)") }
        let duration = Duration.nanoseconds(Int64((total * 1e9).rounded()))
        guard range.contains(duration) else { throw Invalid(reason: "is not \(bounds)") }
        return duration
    }

    /// Parses `text` as a whole number (digits only) within `range`.
    public static func integer(_ text: String, in range: ClosedRange<Int>) throws(Invalid) -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let bounds = "between \(range.lowerBound) and \(range.upperBound)"
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw Invalid(reason: "is not a whole number; write digits only, \(bounds)")
        }
        guard let value = Int(trimmed), range.contains(value) else { throw Invalid(reason: "is not \(bounds)") }
        return value
    }

    /// Parses `text` as a decimal number (`12`, `0.5`; no sign, exponent or `inf`) within
    /// `range`.
    public static func number(_ text: String, in range: ClosedRange<Double>) throws(Invalid) -> Double {
        let bounds = "between \(plain(range.lowerBound)) and \(plain(range.upperBound))"
        guard let value = decimal(text.trimmingCharacters(in: .whitespaces)) else {
            throw Invalid(reason: "is not a number; write digits with an optional decimal point, \(bounds)")
        }
        guard range.contains(value) else { throw Invalid(reason: "is not \(bounds)") }
        return value
    }

    /// `digits[.digits]`, finite; `nil` for anything else (signs, exponents, hex, `inf`).
    private static func decimal(_ text: String) -> Double? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let isDigits = { (part: Substring) in
            !part.isEmpty && part.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
        guard let whole = parts.first, isDigits(whole), parts.count == 1 || isDigits(parts[1]) else { return nil }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    static func seconds(of duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `250ms`, `2s`, `1.5m`, `3h`: the shortest exact form in an accepted unit.
    static func format(_ duration: Duration) -> String {
        let milliseconds = seconds(of: duration) * 1000
        if milliseconds < 1000 { return "\(plain(milliseconds))ms" }
        for (suffix, size) in [("h", 3_600_000.0), ("m", 60_000)] where milliseconds >= size {
            let value = milliseconds / size
            if value == value.rounded() { return "\(plain(value))\(suffix)" }
        }
        return "\(plain(milliseconds / 1000))s"
    }

    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
