import Foundation

/// The unit a duration is shown in, chosen by its size: seconds under a minute, minutes
/// under an hour, hours under 48 hours, days above. Values are written with two significant
/// digits below 10 (more for tiny values, so a non-zero value never reads 0.0) and as whole
/// numbers from 10.
enum DurationUnit: Sendable, Equatable {
    case seconds, minutes, hours, days

    /// The unit that fits `hours`.
    static func fitting(hours: Double) -> DurationUnit {
        switch abs(hours) {
        case ..<(1.0 / 60): .seconds
        case ..<1: .minutes
        case ..<48: .hours
        default: .days
        }
    }

    /// How many of this unit make an hour.
    var perHour: Double {
        switch self {
        case .seconds: 3600
        case .minutes: 60
        case .hours: 1
        case .days: 1.0 / 24
        }
    }

    /// After a number: `s`, `min`, `h`, `days`.
    var symbol: String {
        switch self {
        case .seconds: "s"
        case .minutes: "min"
        case .hours: "h"
        case .days: "days"
        }
    }

    /// For axis labels: `seconds`, `minutes`, `hours`, `days`.
    var name: String {
        switch self {
        case .seconds: "seconds"
        case .minutes: "minutes"
        case .hours: "hours"
        case .days: "days"
        }
    }

    /// `hours` in the unit that fits it: `45 min`, `5.2 h`, `3.1 days`.
    static func format(hours: Double) -> String {
        let unit = fitting(hours: hours)
        return "\(significant(hours * unit.perHour)) \(unit.symbol)"
    }

    /// A number with sensible digits: whole from 10, one decimal from 1, two significant
    /// digits below (up to 9 decimals), so only zero reads as 0.
    static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 10 { return String(format: "%.0f", value) }
        if magnitude >= 1 { return String(format: "%.1f", value) }
        let decimals = min(9, 1 - Int(floor(log10(magnitude))))
        return String(format: "%.\(decimals)f", value)
    }
}
