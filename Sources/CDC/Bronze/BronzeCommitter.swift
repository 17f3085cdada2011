import Lake
import Logging
import Parquet
import LakeContract

/// Publishes batches to bronze with the commit protocol: intent → Parquet files (each
/// written to a hidden temporary name and renamed into place) → commit record →
/// bookmark (the commit point). Pruning the capture tables comes after, by the caller.
struct BronzeCommitter {
    let lake: any LakeStorage
    let fault: FaultInjector

    /// The bookmark in the lake, or `Bookmark.empty` before the first batch.
    func loadBookmark() throws -> Bookmark {
        guard let bytes = try lake.readIfExists(LakePaths.bronzeBookmark) else { return .empty }
        return try LakeJSON.decode(Bookmark.self, from: bytes, path: LakePaths.bronzeBookmark)
    }

    /// The intent of a batch that was started but perhaps not committed.
    func loadIntent() throws -> BatchIntent? {
        guard let bytes = try lake.readIfExists(BronzeLayout.intent) else { return nil }
        return try LakeJSON.decode(BatchIntent.self, from: bytes, path: BronzeLayout.intent)
    }

    /// Plans a batch: names its files and records the intent before any file is written.
    func writeIntent(batch: UInt64, watermark: UInt64, reads: [TableRead], columns: [TableName: [CaptureColumn]],
                     previous: Bookmark, logical: (slot: String, commitLsn: String, endLsn: String)? = nil) throws -> BatchIntent {
        let ranges = reads.filter { $0.rows > 0 }.map { read in
            BatchIntent.TableRange(
                table: read.table, from: previous.position(read.table), to: read.last, rows: read.rows,
                columns: columns[read.table] ?? [],
                files: read.partitions.enumerated().map { index, partition in
                    BronzeFile(path: BronzeLayout.partition(read.table, date: civilDate(daysSinceEpoch: partition.day))
                                   + "/" + LakePaths.bronzeFileName(batch: batch, index: index),
                               rows: partition.writer.rowCount, bytes: 0)
                })
        }
        var intent = BatchIntent(batch: batch, watermark: watermark, tables: ranges, createdAt: LakeTimestamp.format())
        if let logical {
            intent.slot = logical.slot
            intent.commitLsn = logical.commitLsn
            intent.endLsn = logical.endLsn
        }
        try lake.writeAtomically(BronzeLayout.intent, data: LakeJSON.encode(intent))
        fault.trip(.afterIntent, batch: batch)
        return intent
    }

    /// Writes the files of `intent` from `reads` (the same tables in the same order) and
    /// commits: commit record, then the bookmark. Returns the new bookmark.
    func publish(_ intent: BatchIntent, reads: consuming [TableRead], previous: Bookmark) throws -> (Bookmark, BatchIntent) {
        var committed = intent
        let readsByTable = Dictionary(uniqueKeysWithValues: reads.filter { $0.rows > 0 }.map { ($0.table, $0) })
        var written = 0
        for (rangeIndex, range) in intent.tables.enumerated() {
            guard let read = readsByTable[range.table], read.partitions.count == range.files.count else {
                throw CaptureError(.lakeState, message: "Batch \(intent.batch) could not be redone exactly: the rows of \(range.table) no longer match its intent; restore the capture rows or remove bronze/_cdc/intent.json after checking bronze.")
            }
            for (fileIndex, file) in range.files.enumerated() {
                let bytes = try read.partitions[fileIndex].writer.close().bytes
                if fault.isArmed(.midFile, batch: intent.batch) {
                    let (parent, name) = LakePath.split(file.path)
                    try lake.writeAtomically(LakePath.join(parent, ".\(name).tmp-crash"), data: Array(bytes.prefix(bytes.count / 2)))
                    fault.trip(.midFile, batch: intent.batch)
                }
                try lake.writeAtomically(file.path, data: bytes)
                committed.tables[rangeIndex].files[fileIndex].bytes = bytes.count
                written += 1
                if written == 1 { fault.trip(.afterFirstFile, batch: intent.batch) }
            }
        }
        fault.trip(.afterFiles, batch: intent.batch)

        try lake.writeAtomically(LakePaths.commitRecord(intent.batch), data: LakeJSON.encode(committed))
        fault.trip(.afterCommitRecord, batch: intent.batch)

        var bookmark = Self.bookmark(after: intent, previous: previous)
        bookmark.committedAt = LakeTimestamp.format()
        try lake.writeAtomically(LakePaths.bronzeBookmark, data: LakeJSON.encode(bookmark))
        fault.trip(.afterBookmark, batch: intent.batch)

        if intent.batch > BronzeLayout.retainedCommitRecords && intent.batch % 100 == 0 {
            try compactCommitRecords(before: intent.batch - BronzeLayout.retainedCommitRecords)
        }
        return (bookmark, committed)
    }

    /// The bookmark once `intent` is committed (its commit time is set when it is written).
    static func bookmark(after intent: BatchIntent, previous: Bookmark) -> Bookmark {
        var bookmark = previous
        bookmark.batch = intent.batch
        bookmark.watermark = intent.watermark
        for range in intent.tables {
            bookmark.tables[range.table.description] = range.to
        }
        if intent.isLogical {
            bookmark.slot = intent.slot
            bookmark.commitLsn = intent.commitLsn
            bookmark.endLsn = intent.endLsn
        }
        return bookmark
    }

    /// Removes commit records older than `batch`, keeping the log bounded.
    func compactCommitRecords(before batch: UInt64) throws {
        for entry in try lake.list(LakePaths.bronzeCommits) {
            if let number = UInt64(entry.name.prefix(20)), number < batch {
                try lake.delete(entry.path)
            }
        }
    }

    /// Drops an uncommitted batch: its files (readers ignore batches above the bookmark,
    /// so none relied on them), then its intent.
    func abandon(_ intent: BatchIntent) throws {
        try removeTemporaryFiles(of: intent)
        for file in intent.tables.flatMap(\.files) where try lake.exists(file.path) {
            try lake.delete(file.path)
        }
        try lake.delete(BronzeLayout.intent)
    }

    /// Removes hidden temporary files a crash may have left in the directories of `intent`.
    func removeTemporaryFiles(of intent: BatchIntent) throws {
        let directories = Set(intent.tables.flatMap { $0.files.map { LakePath.split($0.path).parent } })
        for directory in directories {
            for entry in try lake.list(directory) where !entry.isDirectory && entry.name.hasPrefix(".") && entry.name.contains(".tmp") {
                try lake.delete(entry.path)
            }
        }
    }
}
