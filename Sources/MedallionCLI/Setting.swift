import ArgumentParser
import Lake

/// A duration or number setting: its flag, its environment variable and its bounds.
///
/// The flag wins; an empty variable counts as unset. A value that does not parse or is out
/// of bounds is a `ValidationError` (usage, exit status 64) naming the flag or variable.
/// Durations take `ms`, `s`, `m` or `h`; a bare number is seconds (see `SettingValue`).
struct Setting<Value>: Sendable {
    let flag: String
    let variable: String?
    let parse: @Sendable (String) throws(SettingValue.Invalid) -> Value

    static func duration(_ flag: String, _ variable: String?, in range: ClosedRange<Duration>) -> Setting<Duration> {
        Setting<Duration>(flag: flag, variable: variable) { text throws(SettingValue.Invalid) in
            try SettingValue.duration(text, in: range)
        }
    }

    static func integer(_ flag: String, _ variable: String?, in range: ClosedRange<Int>) -> Setting<Int> {
        Setting<Int>(flag: flag, variable: variable) { text throws(SettingValue.Invalid) in
            try SettingValue.integer(text, in: range)
        }
    }

    static func number(_ flag: String, _ variable: String?, in range: ClosedRange<Double>) -> Setting<Double> {
        Setting<Double>(flag: flag, variable: variable) { text throws(SettingValue.Invalid) in
            try SettingValue.number(text, in: range)
        }
    }

    /// The flag's value, else the variable's, else `nil`.
    func resolve(_ given: SettingText?) throws -> Value? {
        if let given {
            do { return try parse(given.text) } catch { throw ValidationError("\(flag) \(Self.quoted(given.text)) \(error.reason).") }
        }
        guard let variable, let text = environment(variable) else { return nil }
        do { return try parse(text) } catch { throw ValidationError("\(variable)=\(Self.quoted(text)) \(error.reason).") }
    }

    /// The value as the user wrote it, shortened: it may be anything.
    private static func quoted(_ text: String) -> String {
        let shown = text.count > 40 ? text.prefix(40) + "…" : Substring(text)
        return "'\(shown)'"
    }
}
