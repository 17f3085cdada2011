/// A date of the proleptic Gregorian calendar (year 0 is 1 BC), from a count of days since
/// 1970-01-01. Counted in 400-year cycles of 146,097 days, each starting on 1 March, so
/// that the leap day ends a year (Howard Hinnant's days-to-civil algorithm).
struct CivilDate: Equatable {
    var year: Int64
    var month: Int64
    var day: Int64

    init(daysSince1970 days: Int64) {
        let fromMarch0000 = days + 719_468  // 0000-03-01 to 1970-01-01
        let cycle = (fromMarch0000 >= 0 ? fromMarch0000 : fromMarch0000 - 146_096) / 146_097
        let dayOfCycle = fromMarch0000 - cycle * 146_097
        let yearOfCycle = (dayOfCycle - dayOfCycle / 1460 + dayOfCycle / 36_524 - dayOfCycle / 146_096) / 365
        let dayOfYear = dayOfCycle - (365 * yearOfCycle + yearOfCycle / 4 - yearOfCycle / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        year = yearOfCycle + cycle * 400 + (month <= 2 ? 1 : 0)
    }

    /// `YYYY-MM-DD`, the year at least four digits.
    var text: String {
        "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))-\(String(day).leftPadded(to: 2))"
    }
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian, UTC).
func civilDate(daysSinceEpoch days: Int64) -> String {
    CivilDate(daysSince1970: days).text
}
