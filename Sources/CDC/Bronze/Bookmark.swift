import Foundation

/// What bronze holds: every change up to `tables[t]` for each table, in batches up to
/// `batch`. Stored as JSON at `bronze/bookmark`; writing it is the commit point of a batch.
public struct Bookmark: Sendable, Hashable, Codable {
    /// The layout version of this file.
    public var version: Int = 1
    /// The last committed batch (0 before the first).
    public var batch: UInt64
    /// The snapshot watermark of that batch: every transaction below it had finished.
    public var watermark: UInt64
    /// Per table (`schema.name`), the last change that is in bronze.
    public var tables: [String: TablePosition]
    /// When the batch was committed (ISO 8601, UTC).
    public var committedAt: String
    /// The database the positions belong to (absent in bookmarks of earlier versions).
    public var source: SourceIdentity?

    public init(batch: UInt64, watermark: UInt64, tables: [String: TablePosition], committedAt: String) {
        self.batch = batch
        self.watermark = watermark
        self.tables = tables
        self.committedAt = committedAt
    }

    /// The state before anything is committed.
    public static let empty = Bookmark(batch: 0, watermark: 0, tables: [:], committedAt: "")

    /// Where `table`'s changes continue.
    public func position(_ table: TableName) -> TablePosition {
        tables[table.description] ?? .start
    }
}

/// JSON as the lake's bookkeeping files use it: sorted keys, so equal content is equal bytes.
enum LakeJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return Array(try encoder.encode(value)) + [0x0A]
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch {
            throw CaptureError(.lakeState, message: "The lake file \(path) is not valid (\(error)); restore it from a backup or move it away to start over.")
        }
    }
}
