import Foundation
import Lake
import LakeContract

/// Writes what the gold job and the capture daemon publish, for tests.
public enum GoldFixtures {
    public static let producedAt = "2026-11-26T10:00:00Z"

    public static func writeJSON(_ lake: any LakeStorage, batch: Int, producedAt: String = producedAt,
                                 branches: [(String, Int, Double?)]) throws {
        let rows = branches.map { name, count, hours in
            "{\"branch\":\"\(name)\",\"order_count\":\(count),\"avg_delivery_hours\":\(hours.map { "\($0)" } ?? "null")}"
        }
        let text = "{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch),\"branches\":[\(rows.joined(separator: ","))]}"
        try lake.writeAtomically(LakePaths.goldBranchMetrics, data: Array(text.utf8))
    }

    public static func writeDaily(_ lake: any LakeStorage, batch: Int, producedAt: String = producedAt,
                                  rows: [(String, String, Int, Double?)]) throws {
        let items = rows.map { branch, day, count, hours in
            "{\"branch\":\"\(branch)\",\"day\":\"\(day)\",\"order_count\":\(count),\"avg_delivery_hours\":\(hours.map { "\($0)" } ?? "null")}"
        }
        let text = "{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch),\"rows\":[\(items.joined(separator: ","))]}"
        try lake.writeAtomically(LakePaths.goldBranchDaily, data: Array(text.utf8))
    }

    /// Per-day rows matching `threeBranches`: Porto 340 = 200 + 140, Lisbon 120 = 70 + 50,
    /// Braga 80 on the second day only, none delivered.
    public static let threeBranchesDaily: [(String, String, Int, Double?)] = [
        ("Lisbon", "2026-11-24", 70, 0.25), ("Lisbon", "2026-11-25", 50, 60),
        ("Porto", "2026-11-24", 200, 5), ("Porto", "2026-11-25", 140, nil), ("Braga", "2026-11-25", 80, nil),
    ]

    public static func writeCSV(_ lake: any LakeStorage, batch: Int?, producedAt: String = producedAt, parts: [[(String, Int, Double?)]],
                                success: Bool = true) throws {
        for (index, part) in parts.enumerated() {
            let lines = ["branch,order_count,avg_delivery_hours"] + part.map { name, count, hours in
                "\(name),\(count),\(hours.map { "\($0)" } ?? "")"
            }
            try lake.writeAtomically("\(LakePaths.goldBranchMetricsCSV)/part-0000\(index)-abc.csv",
                                     data: Array((lines.joined(separator: "\n") + "\n").utf8))
        }
        if success { try lake.writeAtomically("\(LakePaths.goldBranchMetricsCSV)/_SUCCESS", data: []) }
        if let batch {
            try lake.writeAtomically(LakePaths.goldMarker,
                                     data: Array("{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch)}".utf8))
        }
    }

    public static func writeBookmark(_ lake: any LakeStorage, batch: Int, committedAt: String = "2026-11-26T10:00:05.250Z") throws {
        let text = "{\"batch\":\(batch),\"committed_at\":\"\(committedAt)\",\"tables\":{},\"version\":1,\"watermark\":10}"
        try lake.writeAtomically(LakePaths.bronzeBookmark, data: Array(text.utf8))
    }

    public static let threeBranches: [(String, Int, Double?)] = [("Lisbon", 120, 3.5), ("Porto", 340, 5.25), ("Braga", 80, nil)]
}
