import Foundation

/// `bronze/bookmark`: what bronze holds, every change up to `tables[t]` for each table, in
/// batches up to `batch`. The capture daemon writes it as the commit point of a batch;
/// `verify`, compaction, the dashboard and (in Python) silver read it.
public struct Bookmark: Sendable, Hashable, Codable {
    /// The bookmark's path below the lake root.
    public static let path = LakePaths.bronzeBookmark

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
    /// Logical capture only: the replication slot the changes came from.
    public var slot: String?
    /// Logical capture only: the commit LSN (`X/Y`) of the last transaction in bronze;
    /// a transaction the slot sends again at or below it is already stored.
    public var commitLsn: String?
    /// Logical capture only: the end LSN of that transaction, the slot's position to confirm.
    public var endLsn: String?

    public init(batch: UInt64, watermark: UInt64, tables: [String: TablePosition], committedAt: String) {
        self.batch = batch
        self.watermark = watermark
        self.tables = tables
        self.committedAt = committedAt
    }

    /// The state before anything is committed.
    public static let empty = Bookmark(batch: 0, watermark: 0, tables: [:], committedAt: "")

    /// `committedAt` as a date; nil when empty or not a lake timestamp.
    public var committedDate: Date? { LakeTimestamp.parse(committedAt) }

    /// Parses the file's JSON (keys of later versions are ignored).
    public static func decode(_ bytes: [UInt8]) throws -> Bookmark {
        try LakeJSONCoding.decode(Bookmark.self, from: bytes)
    }

    /// The file's bytes.
    public func encoded() throws -> [UInt8] {
        try LakeJSONCoding.encode(self)
    }
}
