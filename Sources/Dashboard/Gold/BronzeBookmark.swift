import Foundation
import LakeContract

/// What the dashboard reads from `bronze/bookmark`: the last committed capture batch and
/// when it was committed, for the capture-lag line.
struct BronzeBookmark: Sendable, Hashable {
    var batch: Int
    var committedAt: Date?

    private struct Stored: Decodable {
        var batch: Int
        var committed_at: String?
    }

    /// Parses the bookmark JSON the capture daemon writes (other keys are ignored).
    static func parse(_ bytes: [UInt8], path: String) throws(DashboardError) -> BronzeBookmark {
        let stored: Stored
        do {
            stored = try JSONDecoder().decode(Stored.self, from: Data(bytes))
        } catch {
            throw DashboardError(.malformedBookmark, message: "\(path) is not a valid bookmark.", detail: "\(error)")
        }
        var committedAt: Date?
        if let text = stored.committed_at, !text.isEmpty {
            guard let date = LakeTimestamp.parse(text) else {
                throw DashboardError(.malformedBookmark, message: "\(path) has a committed_at that is not ISO 8601.",
                                     detail: text)
            }
            committedAt = date
        }
        return BronzeBookmark(batch: stored.batch, committedAt: committedAt)
    }
}
