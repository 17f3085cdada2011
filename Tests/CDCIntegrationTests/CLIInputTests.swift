import Foundation
import Testing
import TestSupport

/// Hostile durations and numbers given to the built `medallion` executable, as flags and
/// as environment variables: each is a usage error (exit status 64) with a sentence naming
/// the setting and what to write, never a crash (SIGILL) or a silent clamp.
@Suite("Command-line input", .serialized)
struct CLIInputTests {
    /// A clean environment: no MEDALLION_* of the test runner's leaks in.
    static func medallion(_ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        let base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
        return try Command.run(Repository.medallionExecutable(), arguments, environment: base.merging(extra) { $1 }, check: false)
    }

    static let hostileDurations = ["1e20s", "1e400s", "1e400", "inf", "nan", "-1s", "-5", "", "0x10s", "1d", "10 s", "99999999999999999999h"]

    static let durationFlags: [(command: String, flag: String, variable: String?)] = [
        ("run", "--poll-interval", "MEDALLION_POLL_INTERVAL"),
        ("run", "--max-delay", "MEDALLION_MAX_DELAY"),
        ("run", "--stage-timeout", "MEDALLION_STAGE_TIMEOUT"),
        ("refresh", "--stage-timeout", "MEDALLION_STAGE_TIMEOUT"),
        ("run", "--stage-start-timeout", "MEDALLION_STAGE_START_TIMEOUT"),
        ("dashboard", "--poll-interval", "MEDALLION_DASHBOARD_POLL"),
        ("dashboard", "--stale-after", "MEDALLION_DASHBOARD_STALE_AFTER"),
        ("verify", "--timeout", "MEDALLION_VERIFY_TIMEOUT"),
        ("simulate", "--duration", nil),
    ]

    /// Exit 64 and a message naming the setting; `ours` when the message is the setting's own
    /// (ArgumentParser itself refuses a value that looks like an option, `-5`).
    static func expectUsageError(_ result: CommandResult, naming name: String, _ what: String, ours: Bool = true) {
        #expect(result.status == 64, "\(what): exit \(result.status), \(result.error)")
        #expect(result.error.contains(name), "\(what): \(result.error)")
        if ours { #expect(result.error.contains("is not"), "\(what): \(result.error)") }
    }

    @Test func hostileDurationFlagsAndVariablesExit64() throws {
        for (command, flag, variable) in Self.durationFlags {
            for value in Self.hostileDurations {
                Self.expectUsageError(try Self.medallion([command, flag, value]), naming: flag, "\(command) \(flag) '\(value)'",
                                      ours: !value.hasPrefix("-"))
                if value.hasPrefix("-") {
                    Self.expectUsageError(try Self.medallion([command, "\(flag)=\(value)"]), naming: flag, "\(command) \(flag)=\(value)")
                }
                // An empty variable counts as unset.
                if let variable, !value.isEmpty {
                    Self.expectUsageError(try Self.medallion([command], environment: [variable: value]), naming: variable,
                                          "\(variable)=\(value) \(command)")
                }
            }
        }
    }

    @Test func zeroWhereItWouldSpinIsRefused() throws {
        for (command, flag) in [("run", "--poll-interval"), ("run", "--max-delay"), ("dashboard", "--poll-interval"), ("refresh", "--stage-timeout")] {
            for zero in ["0", "0s", "0ms", "0.0001ms"] {
                Self.expectUsageError(try Self.medallion([command, flag, zero]), naming: flag, "\(command) \(flag) \(zero)")
            }
        }
    }

    @Test func hostileNumbersExit64() throws {
        let cases: [(arguments: [String], environment: [String: String], name: String)] = [
            (["run", "--max-rows", "0"], [:], "--max-rows"),
            (["run", "--max-rows", "1e9"], [:], "--max-rows"),
            (["run", "--max-rows", "-1"], [:], "--max-rows"),
            (["run"], ["MEDALLION_MAX_ROWS": "99999999999999999999"], "MEDALLION_MAX_ROWS"),
            (["run", "--max-batch-bytes", "1e400MiB"], [:], "--max-batch-bytes"),
            (["dashboard", "--port", "65536"], [:], "--port"),
            (["dashboard", "--port", "-1"], [:], "--port"),
            (["dashboard"], ["MEDALLION_PORT": "5e3"], "MEDALLION_PORT"),
            (["dashboard", "--max-streams", "0"], [:], "--max-streams"),
            (["dashboard"], ["MEDALLION_DASHBOARD_MAX_STREAMS": "inf"], "MEDALLION_DASHBOARD_MAX_STREAMS"),
            (["dashboard", "--allowed-hosts", "ok.example,bad host"], [:], "bad host"),
            (["simulate", "--rate", "inf"], [:], "--rate"),
            (["simulate", "--rate", "0"], [:], "--rate"),
            (["simulate"], ["MEDALLION_SIM_RATE": "nan"], "MEDALLION_SIM_RATE"),
            (["simulate", "--branches", "0"], [:], "--branches"),
            (["simulate"], ["MEDALLION_SIM_CONNECTIONS": "1e3"], "MEDALLION_SIM_CONNECTIONS"),
            (["simulate", "--orders", "nan"], [:], "--orders"),
            (["simulate", "--delays", "1e400-1e401"], [:], "--delays"),
            (["simulate", "--delays", "5-1"], [:], "--delays"),
        ]
        for (arguments, environment, name) in cases {
            let result = try Self.medallion(arguments, environment: environment)
            #expect(result.status == 64, "\(arguments) \(environment): exit \(result.status), \(result.error)")
            #expect(result.error.contains(name), "\(arguments) \(environment): \(result.error)")
        }
    }

    @Test func webHDFSVariablesExit64() throws {
        for (variable, value) in [("MEDALLION_HDFS_TIMEOUT", "1e400s"), ("MEDALLION_HDFS_CONNECT_TIMEOUT", "nan"),
                                  ("MEDALLION_HDFS_TIMEOUT", "0"), ("MEDALLION_HDFS_RETRIES", "-1")] {
            let result = try Self.medallion(["status"], environment: ["MEDALLION_LAKE": "webhdfs://127.0.0.1:9/lake", variable: value])
            Self.expectUsageError(result, naming: "\(variable)=\(value)", "\(variable)=\(value)")
        }
    }

    /// The control: sensible values pass validation, and the command fails later, at the
    /// lake it was not given (exit 1), so the checks above are not refusing everything.
    @Test func sensibleValuesPassValidation() throws {
        let result = try Self.medallion(["run", "--poll-interval", "5", "--max-delay", "100ms", "--max-rows", "1000", "--stage-timeout", "3m"],
                                        environment: ["MEDALLION_STAGES": "off", "MEDALLION_HDFS_TIMEOUT": "1e400s"])
        #expect(result.status == 1, "\(result.error)")
        #expect(result.error.contains("No lake location given"), "\(result.error)")
    }
}
