import ArgumentParser
import CDC

/// The compaction settings `run` and `compact` share.
struct CompactionOptions: ParsableArguments {
    @Option(help: "Size merged bronze files grow to, e.g. 128MiB (env: MEDALLION_COMPACT_TARGET_SIZE; default 128MiB).")
    var compactTargetSize: String?

    @Option(help: "How long after its day ended (UTC) a bronze partition may be compacted (env: MEDALLION_COMPACT_GRACE; default 1h).")
    var compactGrace: SettingText?

    static let graceSetting = Setting<Duration>.duration("--compact-grace", "MEDALLION_COMPACT_GRACE", in: .zero ... .seconds(366 * 86_400))

    func validate() throws {
        _ = try settings()
    }

    func settings() throws -> CompactionSettings {
        var settings = CompactionSettings()
        if let text = compactTargetSize ?? environment("MEDALLION_COMPACT_TARGET_SIZE") {
            let flag = compactTargetSize == nil ? "MEDALLION_COMPACT_TARGET_SIZE" : "--compact-target-size"
            settings.targetBytes = try RunCommand.parseBytes(text, flag: flag)
        }
        if let grace = try Self.graceSetting.resolve(compactGrace) {
            settings.grace = grace
        }
        return settings
    }
}
