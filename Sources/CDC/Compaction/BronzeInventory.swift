import Lake
import Synchronization
import LakeContract

/// The visible bronze files and bytes per table, for the metrics: counted once from the
/// lake, then kept up to date from committed batches and compactions (no listing of the
/// lake's history on the capture path).
final class BronzeInventory: Sendable {
    struct Count: Sendable, Hashable {
        var files = 0
        var bytes = 0
    }

    private let counts = Mutex<[String: Count]>([:])

    /// Counts every visible bronze file of `lake`, by table directory name.
    static func count(_ lake: any LakeStorage) throws -> [String: Count] {
        var result: [String: Count] = [:]
        for table in try lake.list(LakePaths.bronze) where table.isDirectory && !LakePath.isHidden(table.name) {
            var count = Count()
            for partition in try lake.list(table.path) where partition.isDirectory && !LakePath.isHidden(partition.name) {
                for file in try lake.list(partition.path) where !file.isDirectory && LakePaths.batch(ofFile: file.name) != nil {
                    count.files += 1
                    count.bytes += file.size
                }
            }
            result[table.name] = count
        }
        return result
    }

    private let seeded = Atomic<Bool>(false)

    /// Counts the lake the first time (later sessions of the daemon keep the counts).
    func seedOnce(_ lake: any LakeStorage) throws {
        guard !seeded.load(ordering: .relaxed) else { return }
        let counted = try Self.count(lake)
        counts.withLock { $0 = counted }
        seeded.store(true, ordering: .relaxed)
        publish()
    }

    func add(_ batch: CommittedBatch) {
        counts.withLock { counts in
            for (path, bytes) in zip(batch.files, batch.fileSizes) {
                let table = String(path.split(separator: "/").dropFirst().first ?? "")
                counts[table, default: Count()].files += 1
                counts[table, default: Count()].bytes += bytes
            }
        }
        publish()
    }

    func apply(_ compaction: CompactionIntent) {
        counts.withLock { counts in
            for output in compaction.outputs {
                counts[compaction.table, default: Count()].files += 1 - output.inputs.count
                counts[compaction.table, default: Count()].bytes += output.bytes - output.inputs.reduce(0) { $0 + $1.bytes }
            }
        }
        publish()
    }

    private func publish() {
        for (table, count) in counts.withLock({ $0 }) {
            CaptureMetrics.bronzeFiles(table: table, files: count.files, bytes: count.bytes)
        }
    }
}
