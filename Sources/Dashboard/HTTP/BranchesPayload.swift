import Foundation
import LakeContract

/// The body of `GET /api/branches`: the branches (most orders first) and the freshness
/// fields. Absent values are written as `null`, so every key is always there.
struct BranchesPayload: JSONPayload {
    var status: String
    var message: String?
    var version: String
    var branches: [FiguresRow]
    var mostOrders: String?
    var fastestDelivery: String?
    var producedAt: String?
    var bronzeBatch: Int?
    var goldAgeSeconds: Double?
    var stale: Bool
    var bronzeLatestBatch: Int?
    var bronzeCommittedAt: String?
    var captureLagSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case status, message, version, branches, stale
        case mostOrders = "most_orders", fastestDelivery = "fastest_delivery"
        case producedAt = "produced_at", bronzeBatch = "bronze_batch", goldAgeSeconds = "gold_age_seconds"
        case bronzeLatestBatch = "bronze_latest_batch", bronzeCommittedAt = "bronze_committed_at"
        case captureLagSeconds = "capture_lag_seconds"
    }

    init(state: DashboardState, now: Date) {
        status = state.health.name
        switch state.health {
        case .malformed(let text), .unreachable(let text): message = text
        case .waiting: message = "No gold result has been published yet."
        case .goldMissing: message = "Gold has disappeared from the lake; showing the last good result."
        case .current: message = nil
        }
        version = state.tag
        let snapshot = state.snapshot
        branches = (snapshot?.byOrders ?? []).map {
            FiguresRow(labelKey: "branch", label: $0.branch, orderCount: $0.orderCount,
                       averageDeliveryHours: $0.averageDeliveryHours)
        }
        mostOrders = snapshot?.mostOrders?.branch
        fastestDelivery = snapshot?.fastestDelivery?.branch
        producedAt = snapshot?.producedAt.map(LakeTimestamp.format)
        bronzeBatch = snapshot?.bronzeBatch
        goldAgeSeconds = snapshot?.producedAt.map { Self.seconds(now.timeIntervalSince($0)) }
        stale = state.isStale
        bronzeLatestBatch = state.bookmark.map { Int($0.batch) }
        bronzeCommittedAt = state.bookmark?.committedDate.map(LakeTimestamp.format)
        captureLagSeconds = state.bookmark?.committedDate.map { Self.seconds(now.timeIntervalSince($0)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
        try container.encode(version, forKey: .version)
        try container.encode(branches, forKey: .branches)
        try container.encode(mostOrders, forKey: .mostOrders)
        try container.encode(fastestDelivery, forKey: .fastestDelivery)
        try container.encode(producedAt, forKey: .producedAt)
        try container.encode(bronzeBatch, forKey: .bronzeBatch)
        try container.encode(goldAgeSeconds, forKey: .goldAgeSeconds)
        try container.encode(stale, forKey: .stale)
        try container.encode(bronzeLatestBatch, forKey: .bronzeLatestBatch)
        try container.encode(bronzeCommittedAt, forKey: .bronzeCommittedAt)
        try container.encode(captureLagSeconds, forKey: .captureLagSeconds)
    }

    private static func seconds(_ interval: TimeInterval) -> Double {
        (max(0, interval) * 10).rounded() / 10
    }
}
