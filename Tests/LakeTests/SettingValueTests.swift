import Foundation
import Testing
@testable import Lake
import TestSupport

/// Durations and numbers from flags and environment variables: one syntax, bounds, and an
/// error (never a trap or a clamp) for everything else.
@Suite struct SettingValueTests {
    static let wide: ClosedRange<Duration> = .zero ... .seconds(366 * 86_400)

    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("2s", .seconds(2)), ("1.5m", .seconds(90)), ("1h", .seconds(3600)),
        ("2", .seconds(2)), ("0.5", .milliseconds(500)), (" 10S ", .seconds(10)), ("0.25ms", .microseconds(250)),
        ("0", .zero), ("0ms", .zero), ("8784h", .seconds(366 * 86_400)), ("007s", .seconds(7)),
    ])
    func durationsInEveryUnitAndABareNumberIsSeconds(text: String, expected: Duration) throws {
        #expect(try SettingValue.duration(text, in: Self.wide) == expected)
    }

    @Test(arguments: [
        "", " ", "s", "ms", "1e20s", "1e400s", "1e400", "inf", "infs", "nan", "nans", "-1s", "-0", "+1s", "0x10s", "1.s",
        ".5s", "1..5s", "1,5s", "1 s", "10 m s", "1d", "1w", "5sec", "1h30m", "١s", "9223372036854775807s",
        String(repeating: "9", count: 400), "8784.001h",
    ])
    func nonsenseIsAnErrorThatSaysWhatToWrite(text: String) {
        #expect(throws: SettingValue.Invalid.self, "\(text)") { try SettingValue.duration(text, in: Self.wide) }
        do {
            _ = try SettingValue.duration(text, in: Self.wide)
        } catch {
            #expect(error.reason.hasPrefix("is not"))
            #expect(error.reason.contains("between 0ms and 8784h"), "\(error.reason)")
        }
    }

    @Test func boundsAreInclusiveAndNamedInTheError() throws {
        let range: ClosedRange<Duration> = .milliseconds(10) ... .seconds(3600)
        #expect(try SettingValue.duration("10ms", in: range) == .milliseconds(10))
        #expect(try SettingValue.duration("1h", in: range) == .seconds(3600))
        for text in ["9ms", "0", "0.001", "3601s", "61m", "1e3", "999999999999999999999h"] {
            #expect(throws: SettingValue.Invalid.self, "\(text)") { try SettingValue.duration(text, in: range) }
        }
        do {
            _ = try SettingValue.duration("0", in: range)
            Issue.record("zero was accepted")
        } catch {
            #expect(error.reason == "is not between 10ms and 1h")
        }
    }

    /// Property: every finite decimal with a unit either parses to the value it names (to
    /// the nanosecond) within the bounds, or is refused; never a trap.
    @Test func anyDecimalWithAUnitParsesExactlyOrIsRefused() throws {
        var generator = SplitMix64(seed: 15)
        let range: ClosedRange<Duration> = .milliseconds(1) ... .seconds(86_400)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("", 1)]
        for _ in 0..<20_000 {
            let exponent = Int.random(in: -4...25, using: &generator)
            let value = Double.random(in: 0..<10, using: &generator) * pow(10, Double(exponent))
            let digits = String(format: "%.\(Int.random(in: 0...6, using: &generator))f", value)
            let (suffix, scale) = units[Int.random(in: 0..<units.count, using: &generator)]
            let seconds = Double(digits)! * scale
            do {
                let parsed = try SettingValue.duration(digits + suffix, in: range)
                #expect(range.contains(parsed))
                #expect(abs(SettingValue.seconds(of: parsed) - seconds) <= 1e-9 + seconds * 1e-12, "\(digits)\(suffix)")
            } catch {
                let nanoseconds = (seconds * 1e9).rounded()
                #expect(nanoseconds < 1e6 || nanoseconds > 86_400e9, "\(digits)\(suffix) was refused: \(error.reason)")
            }
        }
    }

    @Test func wholeNumbers() throws {
        #expect(try SettingValue.integer("5", in: 0...100) == 5)
        #expect(try SettingValue.integer(" 0 ", in: 0...100) == 0)
        #expect(try SettingValue.integer("100", in: 0...100) == 100)
        for text in ["", "-1", "+1", "1.0", "1e2", "0x10", "101", "inf", "nan", "99999999999999999999999", "٣"] {
            #expect(throws: SettingValue.Invalid.self, "\(text)") { try SettingValue.integer(text, in: 0...100) }
        }
    }

    @Test func decimalNumbers() throws {
        #expect(try SettingValue.number("20", in: 0.001...1000) == 20)
        #expect(try SettingValue.number("0.5", in: 0.001...1000) == 0.5)
        for text in ["", "0", "-1", "1e3", "inf", "nan", "1000.5", "1,5", ".5", String(repeating: "9", count: 400)] {
            #expect(throws: SettingValue.Invalid.self, "\(text)") { try SettingValue.number(text, in: 0.001...1000) }
        }
    }

    @Test func webHDFSVariablesUseTheSameSyntaxAndBounds() throws {
        let configuration = try WebHDFSLake.Configuration(location: "webhdfs://nn/lake", environment: [
            "MEDALLION_HDFS_CONNECT_TIMEOUT": "3", "MEDALLION_HDFS_TIMEOUT": "2m", "MEDALLION_HDFS_RETRIES": "0",
        ])
        #expect(configuration.connectTimeout == .seconds(3) && configuration.transferTimeout == .seconds(120) && configuration.retries == 0)
        for (name, text) in [("MEDALLION_HDFS_CONNECT_TIMEOUT", "1e400s"), ("MEDALLION_HDFS_CONNECT_TIMEOUT", "0"),
                             ("MEDALLION_HDFS_TIMEOUT", "inf"), ("MEDALLION_HDFS_TIMEOUT", "-5"), ("MEDALLION_HDFS_RETRIES", "1e3"),
                             ("MEDALLION_HDFS_RETRIES", "-1"), ("MEDALLION_HDFS_RETRIES", "1000")] {
            do {
                _ = try WebHDFSLake.Configuration(location: "webhdfs://nn/lake", environment: [name: text])
                Issue.record("\(name)=\(text) was accepted")
            } catch let error as LakeError {
                #expect(error.path == name && error.message.hasPrefix("\(name)=\(text) is not"), "\(error.message)")
            }
        }
    }
}
