import Foundation

/// `gold/_marker.json`, which the gold job (`spark-jobs/gold.py`) writes after each
/// published result: when it was produced and the last bronze batch it covers.
public struct GoldMarker: Sendable, Equatable {
    /// The marker's path below the lake root.
    public static let path = LakePaths.goldMarker

    /// When gold was produced (`produced_at`).
    public var producedAt: Date
    /// The last bronze batch gold covers (`bronze_batch`).
    public var bronzeBatch: UInt64
    /// How long the gold job took to publish (`gold_ms`), when the marker says.
    public var goldMilliseconds: Int?

    public init(producedAt: Date, bronzeBatch: UInt64, goldMilliseconds: Int? = nil) {
        self.producedAt = producedAt
        self.bronzeBatch = bronzeBatch
        self.goldMilliseconds = goldMilliseconds
    }

    /// Parses the marker's JSON (other fields are ignored); `nil` when it lacks a readable
    /// `produced_at` or `bronze_batch`.
    public init?(json bytes: [UInt8]) {
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        guard let object, let text = object["produced_at"] as? String, let producedAt = LakeTimestamp.parse(text),
              let batch = (object["bronze_batch"] as? NSNumber)?.int64Value, batch >= 0 else { return nil }
        self.init(producedAt: producedAt, bronzeBatch: UInt64(batch), goldMilliseconds: (object["gold_ms"] as? NSNumber)?.intValue)
    }
}
