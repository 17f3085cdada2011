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
        let days = micros / microsPerDay - (micros % microsPerDay < 0 ? 1 : 0)
        let time = micros - days * microsPerDay
        let (year, month, day) = civilDate(daysSince1970: days + 10_957)
        let (bc, shown) = year > 0 ? (false, year) : (true, 1 - year)
        let seconds = time / 1_000_000
        var text = padded(shown, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + " "
            + padded(seconds / 3600, 2) + ":" + padded(seconds / 60 % 60, 2) + ":" + padded(seconds % 60, 2)
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

    /// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01; year 0
    /// is 1 BC. Counted in 400-year cycles of 146,097 days, each starting on 1 March so
    /// that the leap day ends a year.
    static func civilDate(daysSince1970: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let fromMarch0000 = daysSince1970 + 719_468  // 0000-03-01 to 1970-01-01
        let cycle = (fromMarch0000 >= 0 ? fromMarch0000 : fromMarch0000 - 146_096) / 146_097
        let dayOfCycle = fromMarch0000 - cycle * 146_097
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
