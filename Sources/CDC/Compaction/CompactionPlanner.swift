import Foundation
import Lake
import LakeContract

/// Decides what one partition's compaction merges: no I/O, so it is tested on listings.
///
/// Candidates are visible bronze files of batches at most `bound` that are smaller than the
/// target; in batch order they are cut into runs of about the target size, and every run
/// of two or more files becomes one merged file. Everything else visible is kept as is.
enum CompactionPlanner {
    struct Plan: Equatable {
        var chunks: [[LakeEntry]]
        var kept: [LakeEntry]
    }

    static func plan(_ entries: [LakeEntry], bound: UInt64, targetBytes: Int) -> Plan? {
        // A directory inside a partition is nothing bronze writes: leave the partition alone.
        guard !entries.contains(where: \.isDirectory) else { return nil }
        let visible = entries.filter { !LakePath.isHidden($0.name) }
        var candidates: [(range: ClosedRange<UInt64>, entry: LakeEntry)] = []
        var kept: [LakeEntry] = []
        for entry in visible {
            if let range = LakePaths.batchRange(ofFile: entry.name), range.upperBound <= bound, entry.size < targetBytes {
                candidates.append((range, entry))
            } else {
                kept.append(entry)
            }
        }
        candidates.sort { ($0.range.lowerBound, $0.entry.name) < ($1.range.lowerBound, $1.entry.name) }
        var chunks: [[LakeEntry]] = []
        var current: [LakeEntry] = []
        var size = 0
        func close() {
            if current.count >= 2 { chunks.append(current) } else { kept += current }
            current = []
            size = 0
        }
        for candidate in candidates {
            if !current.isEmpty && size + candidate.entry.size > targetBytes { close() }
            current.append(candidate.entry)
            size += candidate.entry.size
        }
        close()
        guard !chunks.isEmpty else { return nil }
        return Plan(chunks: chunks, kept: kept.sorted { $0.name < $1.name })
    }

    /// Whether the day `date` (`YYYY-MM-DD`, UTC) ended at least `grace` before `now`.
    static func isClosed(_ date: String, grace: Duration, now: Date) -> Bool {
        guard let day = daysSinceEpoch(date) else { return false }
        let end = Double(day + 1) * 86_400
        return now.timeIntervalSince1970 >= end + Double(grace.components.seconds)
    }

    /// Days since 1970-01-01 of `YYYY-MM-DD` (the inverse of `civilDate`).
    static func daysSinceEpoch(_ date: String) -> Int64? {
        let parts = date.split(separator: "-")
        guard parts.count == 3, let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        // Howard Hinnant's days-from-civil algorithm.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
