/// A place where the lake's files live: a local directory, HDFS over WebHDFS, or memory.
///
/// Paths are relative to the lake root, `/`-separated, with no leading slash
/// (`bronze/orders/date=2026-11-26/part-00000000000000000001-0000.parquet`).
/// Calls block the calling thread; the capture loop runs on its own thread.
public protocol LakeStorage: Sendable {
    /// A readable name for logs and errors (`file:///srv/lake`).
    var description: String { get }

    /// Writes `data` so that readers see either the old file or the whole new one:
    /// into a hidden temporary file beside the target, then renamed over it.
    /// Parent directories are created as needed.
    func writeAtomically(_ path: String, data: [UInt8]) throws

    /// The whole content of a file; throws `LakeError.notFound` when there is none.
    func read(_ path: String) throws -> [UInt8]

    /// The entries of a directory (not recursive), sorted by name; empty when the
    /// directory does not exist.
    func list(_ directory: String) throws -> [LakeEntry]

    /// Deletes a file or a directory tree; deleting what is not there is not an error.
    func delete(_ path: String) throws

    /// Renames a file or directory, replacing a file at the target.
    func rename(_ source: String, to target: String) throws

    /// Creates a directory and its parents.
    func makeDirectories(_ path: String) throws
}

extension LakeStorage {
    /// Whether a file exists at `path`.
    public func exists(_ path: String) throws -> Bool {
        let (parent, name) = LakePath.split(path)
        return try list(parent).contains { $0.name == name }
    }

    /// The content of a file, or `nil` when there is none.
    public func readIfExists(_ path: String) throws -> [UInt8]? {
        do {
            return try read(path)
        } catch let error as LakeError where error.code == .notFound {
            return nil
        }
    }

    /// Every file below `directory`, recursively, as paths relative to the lake root.
    public func listFilesRecursively(_ directory: String) throws -> [LakeEntry] {
        var result: [LakeEntry] = []
        var pending = [directory]
        while let next = pending.popLast() {
            for entry in try list(next) {
                if entry.isDirectory {
                    pending.append(entry.path)
                } else {
                    result.append(entry)
                }
            }
        }
        return result.sorted { $0.path < $1.path }
    }
}

/// One entry of a lake directory listing.
public struct LakeEntry: Sendable, Hashable {
    /// The path relative to the lake root.
    public var path: String
    /// The last path component.
    public var name: String
    public var isDirectory: Bool
    /// The size in bytes (0 for directories).
    public var size: Int

    public init(path: String, name: String, isDirectory: Bool, size: Int) {
        self.path = path
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
    }
}
