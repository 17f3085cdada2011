import Foundation
import LakeContract
import Lake

/// Reads what the gold job publishes, through the lake interface (local or HDFS).
///
/// The interface with the gold job, kept in this one type:
/// - `gold/branch_metrics.json` (preferred when present):
///   `{"produced_at", "bronze_batch", "branches": [{"branch", "order_count", "avg_delivery_hours"}]}`;
/// - otherwise the Spark CSV directory `gold/branch_metrics/` (`part-*.csv` with header
///   `branch,order_count,avg_delivery_hours`; names starting with `_` or `.` ignored), with
///   `produced_at` and `bronze_batch` from `gold/_marker.json`;
/// - `gold/branch_daily.json` (optional: older gold has none):
///   `{"produced_at", "bronze_batch", "rows": [{"branch", "day", "order_count", "avg_delivery_hours"}]}`;
///   the gold job writes it just before `branch_metrics.json`, so one naming another bronze
///   batch than the branch metrics means a new result is being published;
/// - `bronze/bookmark` for the capture lag.
///
/// Calls block: run them off the event loops and the cooperative pool.
struct GoldReader: Sendable {
    static let jsonPath = LakePaths.goldBranchMetrics
    static let dailyPath = LakePaths.goldBranchDaily
    static let csvDirectory = LakePaths.goldBranchMetricsCSV
    static let markerPath = LakePaths.goldMarker
    static let bookmarkPath = LakePaths.bronzeBookmark

    /// What the lake holds right now.
    enum Reading: Sendable, Hashable {
        /// No gold result has been published.
        case absent
        /// A Spark job is rewriting the CSV directory (`_temporary` present, or no part
        /// file and no `_SUCCESS` yet): keep what was shown.
        case inProgress
        case published(GoldSnapshot)
    }

    let lake: any LakeStorage

    func readGold() throws(DashboardError) -> Reading {
        if let json = try readIfExists(Self.jsonPath) {
            var snapshot = try Self.parseJSON(json, path: Self.jsonPath)
            if snapshot.producedAt == nil || snapshot.bronzeBatch == nil, let marker = try readMarker() {
                snapshot.producedAt = snapshot.producedAt ?? marker.producedAt
                snapshot.bronzeBatch = snapshot.bronzeBatch ?? marker.bronzeBatch
            }
            return try withDays(snapshot)
        }
        let entries = try list(Self.csvDirectory)
        guard !entries.isEmpty else { return .absent }
        if entries.contains(where: { $0.name == "_temporary" }) { return .inProgress }
        let parts = entries.filter { !$0.isDirectory && !LakePath.isHidden($0.name) }
        let finished = entries.contains { $0.name == "_SUCCESS" }
        if parts.isEmpty && !finished { return .inProgress }
        var branches: [BranchMetric] = []
        var seen: Set<String> = []
        for part in parts {
            // A part removed between listing and reading means a rewrite is under way.
            guard let bytes = try readIfExists(part.path) else { return .inProgress }
            for metric in try BranchMetricsCSV.parse(bytes, path: part.path) {
                guard seen.insert(metric.branch).inserted else {
                    throw DashboardError(.malformedGold, message: "Branch \(metric.branch) appears twice in \(Self.csvDirectory).")
                }
                branches.append(metric)
            }
        }
        let marker = try readMarker()
        return try withDays(GoldSnapshot(branches: branches, producedAt: marker?.producedAt, bronzeBatch: marker?.bronzeBatch))
    }

    /// `snapshot` with `branch_daily`'s rows, or `.inProgress` while they belong to
    /// another bronze batch.
    private func withDays(_ snapshot: GoldSnapshot) throws(DashboardError) -> Reading {
        guard let bytes = try readIfExists(Self.dailyPath) else { return .published(snapshot) }
        let (batch, days) = try Self.parseDaily(bytes, path: Self.dailyPath)
        if let batch, let covered = snapshot.bronzeBatch, batch != covered { return .inProgress }
        var snapshot = snapshot
        snapshot.days = days
        return .published(snapshot)
    }

    func readBookmark() throws(DashboardError) -> Bookmark? {
        guard let bytes = try readIfExists(Self.bookmarkPath) else { return nil }
        let bookmark: Bookmark
        do {
            bookmark = try Bookmark.decode(bytes)
        } catch {
            throw DashboardError(.malformedBookmark, message: "\(Self.bookmarkPath) is not a valid bookmark.", detail: "\(error)")
        }
        guard bookmark.committedAt.isEmpty || bookmark.committedDate != nil else {
            throw DashboardError(.malformedBookmark, message: "\(Self.bookmarkPath) has a committed_at that is not ISO 8601.",
                                 detail: bookmark.committedAt)
        }
        return bookmark
    }

    private struct StoredBranch: Decodable {
        var branch: String
        var order_count: Int
        var avg_delivery_hours: Double?
    }

    private struct StoredGold: Decodable {
        var produced_at: String?
        var bronze_batch: Int?
        var branches: [StoredBranch]?
    }

    static func parseJSON(_ bytes: [UInt8], path: String) throws(DashboardError) -> GoldSnapshot {
        let stored: StoredGold
        do {
            stored = try JSONDecoder().decode(StoredGold.self, from: Data(bytes))
        } catch {
            throw DashboardError(.malformedGold, message: "\(path) is not valid gold JSON (\(Self.reason(error))).",
                                 detail: "\(error)")
        }
        if stored.branches == nil {
            throw DashboardError(.malformedGold, message: "\(path) has no branches array.")
        }
        var producedAt: Date?
        if let text = stored.produced_at {
            guard let date = LakeTimestamp.parse(text) else {
                throw DashboardError(.malformedGold, message: "\(path): produced_at is not an ISO 8601 time.", detail: text)
            }
            producedAt = date
        }
        var seen: Set<String> = []
        let branches = try (stored.branches ?? []).map { (branch: StoredBranch) throws(DashboardError) -> BranchMetric in
            guard !branch.branch.isEmpty, branch.order_count >= 0,
                  branch.avg_delivery_hours.map({ $0.isFinite && $0 >= 0 }) ?? true
            else {
                throw DashboardError(.malformedGold, message: "\(path) has an invalid entry for branch '\(branch.branch)'.")
            }
            guard seen.insert(branch.branch).inserted else {
                throw DashboardError(.malformedGold, message: "Branch \(branch.branch) appears twice in \(path).")
            }
            return BranchMetric(branch: branch.branch, orderCount: branch.order_count,
                                averageDeliveryHours: branch.avg_delivery_hours)
        }
        return GoldSnapshot(branches: branches, producedAt: producedAt, bronzeBatch: stored.bronze_batch)
    }

    private struct StoredDay: Decodable {
        var branch: String
        var day: String
        var order_count: Int
        var avg_delivery_hours: Double?
    }

    private struct StoredDaily: Decodable {
        var bronze_batch: Int?
        var rows: [StoredDay]
    }

    /// The bronze batch `branch_daily.json` covers and its rows.
    static func parseDaily(_ bytes: [UInt8], path: String) throws(DashboardError) -> (Int?, [BranchDay]) {
        let stored: StoredDaily
        do {
            stored = try JSONDecoder().decode(StoredDaily.self, from: Data(bytes))
        } catch {
            throw DashboardError(.malformedGold, message: "\(path) is not valid gold JSON (\(Self.reason(error))).",
                                 detail: "\(error)")
        }
        var seen: Set<[String]> = []
        let days = try stored.rows.map { (row: StoredDay) throws(DashboardError) -> BranchDay in
            guard !row.branch.isEmpty, Self.isDay(row.day), row.order_count >= 0,
                  row.avg_delivery_hours.map({ $0.isFinite && $0 >= 0 }) ?? true
            else {
                throw DashboardError(.malformedGold,
                                     message: "\(path) has an invalid entry for branch '\(row.branch)' on '\(row.day)'.")
            }
            guard seen.insert([row.branch, row.day]).inserted else {
                throw DashboardError(.malformedGold, message: "Branch \(row.branch) appears twice for \(row.day) in \(path).")
            }
            return BranchDay(branch: row.branch, day: row.day, orderCount: row.order_count,
                             averageDeliveryHours: row.avg_delivery_hours)
        }
        return (stored.bronze_batch, days)
    }

    /// `YYYY-MM-DD`.
    private static func isDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 10 && bytes[4] == UInt8(ascii: "-") && bytes[7] == UInt8(ascii: "-")
            && bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (0x30...0x39).contains(byte) }
    }

    private func readMarker() throws(DashboardError) -> (producedAt: Date, bronzeBatch: Int)? {
        guard let bytes = try readIfExists(Self.markerPath) else { return nil }
        guard let marker = GoldMarker(json: bytes), marker.bronzeBatch <= UInt64(Int.max) else {
            throw DashboardError(.malformedGold, message: "\(Self.markerPath) has no readable produced_at and bronze_batch.")
        }
        return (marker.producedAt, Int(marker.bronzeBatch))
    }

    /// The short reason of a decoding error: which key and what was wrong.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "unreadable" }
        func key(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let missing, let context): return "missing \(key(context.codingPath + [missing]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \(key(context.codingPath))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "bad value at \(key(context.codingPath))"
        @unknown default: return "unreadable"
        }
    }

    private func readIfExists(_ path: String) throws(DashboardError) -> [UInt8]? {
        do {
            return try lake.readIfExists(path)
        } catch {
            throw Self.unavailable(error, path: path)
        }
    }

    private func list(_ directory: String) throws(DashboardError) -> [LakeEntry] {
        do {
            return try lake.list(directory)
        } catch {
            throw Self.unavailable(error, path: directory)
        }
    }

    private static func unavailable(_ error: any Error, path: String) -> DashboardError {
        DashboardError(.lakeUnavailable, message: "The lake could not be read (\(path)).", detail: "\(error)")
    }
}
