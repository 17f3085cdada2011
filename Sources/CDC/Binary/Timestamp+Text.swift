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
        let seconds = time / 1_000_000
        var text = date.text + " " + padded(seconds / 3600, 2) + ":" + padded(seconds / 60 % 60, 2) + ":" + padded(seconds % 60, 2)
        var fraction = time % 1_000_000
        if fraction != 0 {
            var digits = 6
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            text += "." + padded(fraction, digits)
        }
        if withZone { text += "+00" }
        if bc { text += " BC" }
        return text
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        String(value).leftPadded(to: width)
    }
}
