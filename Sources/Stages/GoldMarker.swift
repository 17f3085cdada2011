import Foundation
import Lake

/// `gold/_marker.json`, which the gold job (`spark-jobs/gold.py`) writes after each
/// published result: when it was produced and the last bronze batch it covers.
public struct GoldMarker: Sendable, Equatable {
    /// The marker's path below the lake root.
    public static let path = "gold/_marker.json"

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

    /// The marker in `lake`, or `nil` when gold has not been published yet.
    public static func read(from lake: any LakeStorage) throws(StageError) -> GoldMarker? {
        let bytes: [UInt8]?
        do {
            bytes = try lake.readIfExists(path)
        } catch {
            throw StageError(.goldUnreadable, message: "Cannot read \(path) in \(lake.description): \(error)")
        }
        return try bytes.map { bytes throws(StageError) in try GoldMarker(json: bytes) }
    }

    /// Parses the marker's JSON (other fields are ignored).
    init(json bytes: [UInt8]) throws(StageError) {
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        guard let object, let text = object["produced_at"] as? String, let producedAt = Self.parseTimestamp(text),
              let batch = (object["bronze_batch"] as? NSNumber)?.int64Value, batch >= 0 else {
            throw StageError(.goldUnreadable,
                             message: "\(Self.path) has no readable produced_at and bronze_batch; the next gold run rewrites it.",
                             detail: String(decoding: bytes.prefix(500), as: UTF8.self))
        }
        self.init(producedAt: producedAt, bronzeBatch: UInt64(batch), goldMilliseconds: (object["gold_ms"] as? NSNumber)?.intValue)
    }

    /// ISO 8601 with or without fractional seconds (`2026-11-26T14:00:00.123Z`).
    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)
            .timeZone(separator: .omitted)) {
            return date
        }
        return try? Date(text, strategy: .iso8601)
    }
}
