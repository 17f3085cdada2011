import Testing
@testable import Dashboard

@Suite struct DurationUnitTests {
    static let cases: [(Double, String)] = [
        (0, "0 s"), (0.0025, "9.0 s"), (0.5 / 3600, "0.50 s"), (0.25, "15 min"), (0.05, "3.0 min"),
        (0.9999, "60 min"), (1, "1.0 h"), (5.25, "5.2 h"), (16.25, "16 h"), (47.4, "47 h"), (48, "2.0 days"),
        (60, "2.5 days"), (24 * 12.6, "13 days"),
    ]

    /// Minutes under an hour, hours under 48 h, days above; seconds under a minute.
    @Test(arguments: cases)
    func durationsAreInTheUnitThatFitsThem(_ hours: Double, _ expected: String) {
        #expect(DurationUnit.format(hours: hours) == expected)
    }

    /// However small, a duration above zero never reads as zero.
    @Test(arguments: [1e-9, 1e-7, 2.7e-7, 0.0001, 0.004, 0.01, 0.3, 0.999])
    func nonZeroIsNeverZero(_ hours: Double) {
        let text = DurationUnit.format(hours: hours)
        let number = Double(text.split(separator: " ")[0])!
        #expect(number > 0, "\(hours) h reads \(text)")
    }
}
