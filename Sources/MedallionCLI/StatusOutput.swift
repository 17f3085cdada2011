import CDC
import Stages

/// What `medallion status --json` prints: the capture report's keys, plus `stages`.
struct StatusOutput: Encodable {
    var report: StatusReport
    var stages: StageOverview

    private enum CodingKeys: String, CodingKey {
        case stages
    }

    func encode(to encoder: any Encoder) throws {
        // The report's keys stay at the top level, as before `stages` was added.
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stages, forKey: .stages)
    }
}
