/// The steps of a partition's compaction, in order, for crash tests (`MEDALLION_FAULT=compact-<step>`).
public enum CompactionStep: String, Sendable, CaseIterable {
    case afterIntent = "compact-after-intent"
    case afterFirstOutput = "compact-after-first-output"
    case afterStaging = "compact-after-staging"
    case afterExchange = "compact-after-exchange"
    case afterRecord = "compact-after-record"
    case afterCleanup = "compact-after-cleanup"
}
