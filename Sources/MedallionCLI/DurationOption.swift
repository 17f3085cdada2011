import ArgumentParser

/// A duration on the command line: `100ms`, `2s`, `1m`, or a plain number of milliseconds.
struct DurationOption: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var duration: Duration
    var description: String

    init(_ duration: Duration, _ description: String) {
        self.duration = duration
        self.description = description
    }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
            self.init(.milliseconds(Int64(value * scale * 1000)), argument)
            return
        }
        guard let value = Double(text), value >= 0 else { return nil }
        self.init(.milliseconds(Int64(value)), argument)
    }

    /// Reads an environment variable in the same format.
    static func fromEnvironment(_ name: String) throws -> DurationOption? {
        guard let text = environment(name) else { return nil }
        guard let value = DurationOption(argument: text) else {
            throw ValidationError("\(name)=\(text) is not a duration; use e.g. 100ms, 2s or 1m.")
        }
        return value
    }
}
