import Foundation
import Logging
import Synchronization

/// A lake on HDFS, reached over the WebHDFS REST API (`webhdfs://namenode:9870/lake`,
/// `swebhdfs://` for TLS, `webhdfs://nn1:9870,nn2:9870/lake` for an HA pair).
///
/// Atomic publish writes the data to a hidden temporary file beside the target (CREATE:
/// the namenode redirects to a datanode, which takes the bytes), then renames it over the
/// target with `RENAME&renameoptions=OVERWRITE`. The namenode performs that rename as one
/// step under its namespace lock, so readers see the old file or the new one and a crash
/// never leaves the target missing; a crash before the rename leaves only the hidden
/// temporary file, which the daemon removes on recovery. Only a server that ignores
/// `renameoptions` (answering the old `{"boolean": false}`) makes us fall back to
/// delete-then-rename, which has a window where the target is missing; that fallback logs
/// a warning.
///
/// Each write costs three requests (CREATE at the namenode, the data at the datanode,
/// RENAME); parents are created by CREATE itself and no status round trips are made on
/// the success path. Transient failures are retried with backoff (see
/// `Configuration.retries`), permanent ones become a `LakeError` naming the path.
public struct WebHDFSLake: LakeStorage {
    public let configuration: Configuration
    private let client: WebHDFSClient
    private let batchListing: Box

    private final class Box: Sendable {
        let unsupported = Atomic<Bool>(false)
        let warnedLegacyRename = Atomic<Bool>(false)
        let temporaryCounter = Atomic<Int>(0)
    }

    /// - Parameter logger: where retries, failovers and fallbacks are logged (tokens never are).
    public init(configuration: Configuration, logger: Logger = Logger(label: "medallion.lake.webhdfs")) {
        self.configuration = configuration
        self.client = WebHDFSClient(configuration: configuration, logger: logger)
        self.batchListing = Box()
    }

    public var description: String { configuration.location }

    /// HTTP requests sent so far (namenode and datanode, failed ones and retries included).
    public var requestCount: Int { client.requestCount.load(ordering: .relaxed) }

    // MARK: - LakeStorage

    public func writeAtomically(_ path: String, data: [UInt8]) throws {
        let (parent, name) = LakePath.split(path)
        let serial = batchListing.temporaryCounter.add(1, ordering: .relaxed).newValue
        let temporary = LakePath.join(parent, ".\(name).tmp-\(getpid())-\(serial)")
        try create(temporary, data: data, reportAs: path)
        do {
            try renameReplacing(temporary, to: path, publishedSize: data.count)
        } catch {
            try? delete(temporary)
            throw error
        }
    }

    public func read(_ path: String) throws -> [UInt8] {
        var data: [UInt8] = []
        try read(path) { chunk in data.append(contentsOf: chunk) } restart: { data.removeAll(keepingCapacity: true) }
        return data
    }

    /// Streams a file: `chunk` gets the bytes as the datanode sends them. After a transient
    /// failure the read starts over (`restart` is called first), so a consumer never sees
    /// two versions of a file spliced together.
    public func read(_ path: String, chunk: (UnsafeRawBufferPointer) -> Void, restart: () -> Void = {}) throws {
        try withoutActuallyEscaping(chunk) { sink in
            try client.withRetries("read", path: path) { namenode, attempt in
                if attempt > 0 { restart() }
                let answer = try client.send(.get, client.url(namenode: namenode, op: "OPEN", path: path),
                                             accept: [200, 307], toNamenode: true, action: "read", path: path,
                                             sink: sink)
                guard answer.status == 307 else { return }  // a server that answered directly
                let location = try client.redirectTarget(answer.location, action: "read", path: path)
                _ = try client.send(.get, location, accept: [200], toNamenode: false, action: "read", path: path,
                                    sink: sink)
            }
        }
    }

    public func list(_ directory: String) throws -> [LakeEntry] {
        var entries: [LakeEntry] = []
        var startAfter: String?
        do {
            repeat {
                let (statuses, remaining) = try listBatch(directory, startAfter: startAfter)
                for status in statuses {
                    guard let entry = entry(status, in: directory) else { return [] }  // a file, not a directory
                    entries.append(entry)
                }
                startAfter = remaining > 0 ? entries.last?.name : nil
            } while startAfter != nil
        } catch let error as LakeError where error.code == .notFound {
            return []
        }
        return entries.sorted { $0.name < $1.name }
    }

    public func delete(_ path: String) throws {
        try client.withRetries("delete", path: path) { namenode, _ in
            // {"boolean": false} means there was nothing to delete: not an error.
            _ = try client.send(.delete, client.url(namenode: namenode, op: "DELETE", path: path,
                                                    query: [("recursive", "true")]),
                                accept: [200], toNamenode: true, action: "delete", path: path)
        }
    }

    public func rename(_ source: String, to target: String) throws {
        try renameReplacing(source, to: target, publishedSize: nil)
    }

    public func makeDirectories(_ path: String) throws {
        try client.withRetries("create directory", path: path) { namenode, _ in
            let answer = try client.send(.put, client.url(namenode: namenode, op: "MKDIRS", path: path,
                                                          query: [("permission", "755")]),
                                         accept: [200], toNamenode: true, action: "create directory", path: path)
            guard try client.json(answer, action: "create directory", path: path)["boolean"] as? Bool != false else {
                throw WebHDFSClient.Failure.permanent(LakeError(.io, path: path,
                    message: "Cannot create directory \(client.display(path)): the namenode refused (a file may be in the way)."))
            }
        }
    }

    // MARK: - Beyond LakeStorage

    /// The status of a file or directory (GETFILESTATUS), or nil when there is none.
    public func status(_ path: String) throws -> LakeEntry? {
        do {
            return try client.withRetries("stat", path: path) { namenode, _ in
                let answer = try client.send(.get, client.url(namenode: namenode, op: "GETFILESTATUS", path: path),
                                             accept: [200], toNamenode: true, action: "stat", path: path)
                guard let status = try client.json(answer, action: "stat", path: path)["FileStatus"] as? [String: Any] else {
                    throw WebHDFSClient.Failure.permanent(LakeError(.io, path: path,
                        message: "Cannot stat \(client.display(path)): the answer has no FileStatus."))
                }
                let (parent, name) = LakePath.split(path)
                return LakeEntry(path: path, name: name.isEmpty ? parent : name,
                                 isDirectory: status["type"] as? String == "DIRECTORY",
                                 size: (status["length"] as? NSNumber)?.intValue ?? 0)
            }
        } catch let error as LakeError where error.code == .notFound {
            return nil
        }
    }

    // MARK: - Steps

    /// CREATE in two steps: the namenode answers 307 with a datanode URL, the bytes go there.
    private func create(_ path: String, data: [UInt8], reportAs target: String) throws {
        try client.withRetries("write", path: target) { namenode, _ in
            let answer = try client.send(.put, client.url(namenode: namenode, op: "CREATE", path: path,
                                                          query: [("overwrite", "true")]),
                                         accept: [307, 201], toNamenode: true, action: "write", path: target)
            guard answer.status == 307 else { return }
            let location = try client.redirectTarget(answer.location, action: "write", path: target)
            _ = try client.send(.put, location, body: data, accept: [201, 200], toNamenode: false,
                                action: "write", path: target)
        }
    }

    /// RENAME with `renameoptions=OVERWRITE` (the namenode's rename2: atomic replace,
    /// errors as exceptions). Handles a missing target parent, a retry after a rename that
    /// did happen, and servers that answer the old `{"boolean": ...}`.
    ///
    /// `publishedSize` is given when `source` is our own temporary file of that size: if it
    /// is gone and the target has its size, an earlier attempt whose answer was lost did the
    /// rename. (libcurl itself resends a request once when a reused connection dies without
    /// an answer, so the attempt count cannot tell.)
    private func renameReplacing(_ source: String, to target: String, publishedSize: Int?) throws {
        var createdParent = false
        var deletedTarget = false
        while true {
            let outcome: RenameOutcome
            do {
                outcome = try client.withRetries("rename", path: source) { namenode, _ in
                    let answer = try client.send(
                        .put, client.url(namenode: namenode, op: "RENAME", path: source,
                                         query: [("destination", client.absolute(target)), ("renameoptions", "OVERWRITE")]),
                        accept: [200], toNamenode: true, action: "rename", path: source)
                    if answer.body.isEmpty { return .done }
                    let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
                    return object?["boolean"] as? Bool == false ? .refused : .done
                }
            } catch let error as LakeError where error.code == .notFound {
                outcome = .notFound(error)
            }
            switch outcome {
            case .done:
                return
            case .notFound(let error):
                if try renameHappened(to: target, publishedSize: publishedSize) { return }
                guard try status(source) != nil else {
                    throw LakeError(.notFound, path: source,
                                    message: "Cannot rename \(client.display(source)) to \(client.absolute(target)): the source does not exist.")
                }
                guard !createdParent else { throw error }
                try makeDirectories(LakePath.split(target).parent)
                createdParent = true
            case .refused:
                // The old rename: false when the source is missing, the target's parent is
                // missing, or the target exists.
                guard try status(source) != nil else {
                    if try renameHappened(to: target, publishedSize: publishedSize) { return }
                    throw LakeError(.notFound, path: source,
                                    message: "Cannot rename \(client.display(source)) to \(client.absolute(target)): the source does not exist.")
                }
                let parent = LakePath.split(target).parent
                if !createdParent, try status(parent) == nil {
                    try makeDirectories(parent)
                    createdParent = true
                } else if !deletedTarget, try status(target) != nil {
                    if !batchListing.warnedLegacyRename.exchange(true, ordering: .relaxed) {
                        client.logger.warning("webhdfs server ignores renameoptions=OVERWRITE; replacing files by delete then rename (not atomic)", metadata: [
                            "lake": "\(description)",
                        ])
                    }
                    try delete(target)
                    deletedTarget = true
                } else {
                    throw LakeError(.io, path: source,
                                    message: "Cannot rename \(client.display(source)) to \(client.absolute(target)): the namenode refused the rename.")
                }
            }
        }
    }

    /// Whether our temporary file of `publishedSize` bytes, found gone, is at `target`.
    private func renameHappened(to target: String, publishedSize: Int?) throws -> Bool {
        guard let publishedSize, let found = try status(target) else { return false }
        return !found.isDirectory && found.size == publishedSize
    }

    private enum RenameOutcome {
        case done
        case refused
        case notFound(LakeError)
    }

    /// One LISTSTATUS_BATCH page (or the whole LISTSTATUS where batches are unsupported).
    private func listBatch(_ directory: String, startAfter: String?) throws -> ([[String: Any]], Int) {
        try client.withRetries("list", path: directory) { namenode, _ in
            if !batchListing.unsupported.load(ordering: .relaxed) {
                do {
                    let answer = try client.send(
                        .get, client.url(namenode: namenode, op: "LISTSTATUS_BATCH", path: directory,
                                         query: startAfter.map { [("startAfter", $0)] } ?? []),
                        accept: [200], toNamenode: true, action: "list", path: directory)
                    let listing = try client.json(answer, action: "list", path: directory)["DirectoryListing"] as? [String: Any]
                    let partial = listing?["partialListing"] as? [String: Any]
                    let statuses = (partial?["FileStatuses"] as? [String: Any])?["FileStatus"] as? [[String: Any]]
                    guard let statuses else { throw malformed("list", directory) }
                    return (statuses, (listing?["remainingEntries"] as? NSNumber)?.intValue ?? 0)
                } catch WebHDFSClient.Failure.permanent(let error)
                            where error.message.contains("does not support this request") {
                    batchListing.unsupported.store(true, ordering: .relaxed)
                }
            }
            let answer = try client.send(.get, client.url(namenode: namenode, op: "LISTSTATUS", path: directory),
                                         accept: [200], toNamenode: true, action: "list", path: directory)
            let object = try client.json(answer, action: "list", path: directory)
            guard let statuses = (object["FileStatuses"] as? [String: Any])?["FileStatus"] as? [[String: Any]] else {
                throw malformed("list", directory)
            }
            return (statuses, 0)
        }
    }

    private func entry(_ status: [String: Any], in directory: String) -> LakeEntry? {
        guard let name = status["pathSuffix"] as? String, !name.isEmpty else { return nil }
        let isDirectory = status["type"] as? String == "DIRECTORY"
        return LakeEntry(path: LakePath.join(directory, name), name: name, isDirectory: isDirectory,
                         size: isDirectory ? 0 : (status["length"] as? NSNumber)?.intValue ?? 0)
    }

    private func malformed(_ action: String, _ path: String) -> WebHDFSClient.Failure {
        .permanent(LakeError(.io, path: path,
            message: "Cannot \(action) \(client.display(path)): the namenode's answer is not a WebHDFS listing."))
    }
}
