import Foundation
import Lake
@testable import Dashboard

/// Writes what the gold job and the capture daemon publish, for tests.
enum GoldFixtures {
    static let producedAt = "2026-11-26T10:00:00Z"

    static func writeJSON(_ lake: any LakeStorage, batch: Int, producedAt: String = producedAt,
                          branches: [(String, Int, Double?)]) throws {
        let rows = branches.map { name, count, hours in
            "{\"branch\":\"\(name)\",\"order_count\":\(count),\"avg_delivery_hours\":\(hours.map { "\($0)" } ?? "null")}"
        }
        let text = "{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch),\"branches\":[\(rows.joined(separator: ","))]}"
        try lake.writeAtomically(GoldReader.jsonPath, data: Array(text.utf8))
    }

    static func writeDaily(_ lake: any LakeStorage, batch: Int, producedAt: String = producedAt,
                           rows: [(String, String, Int, Double?)]) throws {
        let items = rows.map { branch, day, count, hours in
            "{\"branch\":\"\(branch)\",\"day\":\"\(day)\",\"order_count\":\(count),\"avg_delivery_hours\":\(hours.map { "\($0)" } ?? "null")}"
        }
        let text = "{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch),\"rows\":[\(items.joined(separator: ","))]}"
        try lake.writeAtomically(GoldReader.dailyPath, data: Array(text.utf8))
    }

    /// Per-day rows matching `threeBranches`: Porto 340 = 200 + 140, Lisbon 120 = 70 + 50,
    /// Braga 80 on the second day only, none delivered.
    static let threeBranchesDaily: [(String, String, Int, Double?)] = [
        ("Lisbon", "2026-11-24", 70, 0.25), ("Lisbon", "2026-11-25", 50, 60),
        ("Porto", "2026-11-24", 200, 5), ("Porto", "2026-11-25", 140, nil), ("Braga", "2026-11-25", 80, nil),
    ]

    static func writeCSV(_ lake: any LakeStorage, batch: Int?, producedAt: String = producedAt, parts: [[(String, Int, Double?)]],
                         success: Bool = true) throws {
        for (index, part) in parts.enumerated() {
            let lines = ["branch,order_count,avg_delivery_hours"] + part.map { name, count, hours in
                "\(name),\(count),\(hours.map { "\($0)" } ?? "")"
            }
            try lake.writeAtomically("\(GoldReader.csvDirectory)/part-0000\(index)-abc.csv",
                                     data: Array((lines.joined(separator: "\n") + "\n").utf8))
        }
        if success { try lake.writeAtomically("\(GoldReader.csvDirectory)/_SUCCESS", data: []) }
        if let batch {
            try lake.writeAtomically(GoldReader.markerPath,
                                     data: Array("{\"produced_at\":\"\(producedAt)\",\"bronze_batch\":\(batch)}".utf8))
        }
    }

    static func writeBookmark(_ lake: any LakeStorage, batch: Int, committedAt: String = "2026-11-26T10:00:05.250Z") throws {
        let text = "{\"batch\":\(batch),\"committed_at\":\"\(committedAt)\",\"tables\":{},\"version\":1,\"watermark\":10}"
        try lake.writeAtomically(GoldReader.bookmarkPath, data: Array(text.utf8))
    }

    static let threeBranches: [(String, Int, Double?)] = [("Lisbon", 120, 3.5), ("Porto", 340, 5.25), ("Braga", 80, nil)]
}
