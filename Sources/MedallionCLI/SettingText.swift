import ArgumentParser

/// The text of a duration or number flag as given; `Setting` checks it in the command's
/// `validate()`, with the same rules and message as its environment variable.
struct SettingText: ExpressibleByArgument, Sendable {
    var text: String

    init(argument: String) {
        text = argument
    }
}
