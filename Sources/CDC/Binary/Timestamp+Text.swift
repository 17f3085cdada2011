// timestamp_out / timestamptz_out with DateStyle ISO and TimeZone UTC (TextSettings):
// `YYYY-MM-DD HH:MM:SS[.ffffff]`, the year at least four digits, the fraction without
// trailing zeros, `+00` after a timestamptz, ` BC` last for years before 1 AD, and
// `infinity` / `-infinity`.

extension PostgresTimestamp {
    /// The text PostgreSQL prints for a `timestamp` (or, `withZone`, a `timestamptz` in
    /// UTC) of `micros` microseconds since 2000-01-01.
    static func text(postgresMicros micros: Int64, withZone: Bool) -> String {
        switch micros {
        case .max: return "infinity"
        case .min: return "-infinity"
        default: break
        }
        let microsPerDay: Int64 = 86_400_000_000
        let days = TableReadBuilder.floorDivide(micros, microsPerDay)
        let time = micros - days * microsPerDay
        var date = CivilDate(daysSince1970: days + 10_957)
        let bc = date.year <= 0
        if bc { date.year = 1 - date.year }
        var text = date.text + " " + clockText(UInt64(time))
        if withZone { text += "+00" }
        if bc { text += " BC" }
        return text
    }

    /// `HH:MM:SS` of `micros` since midnight, hours past 99 in full, then the fraction
    /// without trailing zeros (time_out and interval_out print it so too).
    static func clockText(_ micros: UInt64) -> String {
        let seconds = micros / 1_000_000
        var text = [seconds / 3600, seconds / 60 % 60, seconds % 60].map { String($0).leftPadded(to: 2) }.joined(separator: ":")
        var fraction = micros % 1_000_000
        if fraction != 0 {
            var digits = 6
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            text += "." + String(fraction).leftPadded(to: digits)
        }
        return text
    }
}
