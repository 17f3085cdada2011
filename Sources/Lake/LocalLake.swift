import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A lake in a local directory (`file:///abs/path` or a plain path).
///
/// Atomic publish is a write to a hidden temporary file in the same directory, `fsync`,
/// then `rename(2)` over the target and an `fsync` of the directory, so a crash leaves
/// either the old file or the new one, never a truncated one under the final name.
public struct LocalLake: LakeStorage {
    /// The absolute directory that is the lake root.
    public let root: String
    /// The mode of the files this lake writes (`MEDALLION_LAKE_FILE_MODE`); directories get
    /// it with search added where it allows reading. Nil: 0666 and 0777 less the umask.
    public let fileMode: mode_t?

    public init(root: String, fileMode: mode_t? = nil) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.fileMode = fileMode
    }

    var directoryMode: mode_t? { fileMode.map { $0 | (($0 & 0o444) >> 2) } }

    public var description: String { "file://\(root)" }

    func absolute(_ path: String) -> String {
        path.isEmpty ? root : root + "/" + path
    }

    public func writeAtomically(_ path: String, data: [UInt8]) throws {
        let (parent, name) = LakePath.split(path)
        try makeDirectories(parent)
        let temporary = LakePath.join(parent, ".\(name).tmp-\(getpid())")
        let target = absolute(path)
        let temporaryAbsolute = absolute(temporary)
        // The temporary name is predictable: never follow or reuse what someone put there.
        var fd = open(temporaryAbsolute, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        if fd < 0 && errno == EEXIST {
            unlink(temporaryAbsolute)  // left by a crashed writer with our pid, or planted
            fd = open(temporaryAbsolute, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
        }
        guard fd >= 0 else { throw error(errno, path: path, doing: "create") }
        if let fileMode, fchmod(fd, fileMode) != 0 {
            let code = errno
            close(fd)
            unlink(temporaryAbsolute)
            throw error(code, path: path, doing: "set the mode of")
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    unlink(temporaryAbsolute)
                    throw error(code, path: path, doing: "write")
                }
                offset += written
            }
        }
        if fsync(fd) != 0 {
            let code = errno
            unlink(temporaryAbsolute)
            throw error(code, path: path, doing: "sync")
        }
        close(fd)
        closed = true
        if Glibc.rename(temporaryAbsolute, target) != 0 {
            let code = errno
            unlink(temporaryAbsolute)
            throw error(code, path: path, doing: "publish")
        }
        syncDirectory(absolute(parent))
    }

    public func read(_ path: String) throws -> [UInt8] {
        let fd = open(absolute(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(errno, path: path, doing: "read") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path, doing: "read")
            }
            if count == 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    public func list(_ directory: String) throws -> [LakeEntry] {
        guard let handle = opendir(absolute(directory)) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw error(errno, path: directory, doing: "list")
        }
        defer { closedir(handle) }
        var entries: [LakeEntry] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = LakePath.join(directory, name)
            var info = stat()
            guard stat(absolute(path), &info) == 0 else { continue }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            entries.append(LakeEntry(path: path, name: name, isDirectory: isDirectory,
                                     size: isDirectory ? 0 : Int(info.st_size)))
        }
        return entries.sorted { $0.name < $1.name }
    }

    public func delete(_ path: String) throws {
        let target = absolute(path)
        var info = stat()
        guard lstat(target, &info) == 0 else {
            if errno == ENOENT { return }
            throw error(errno, path: path, doing: "delete")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for entry in try list(path) {
                try delete(entry.path)
            }
            if rmdir(target) != 0 && errno != ENOENT { throw error(errno, path: path, doing: "delete") }
        } else if unlink(target) != 0 && errno != ENOENT {
            throw error(errno, path: path, doing: "delete")
        }
    }

    public func rename(_ source: String, to target: String) throws {
        try makeDirectories(LakePath.split(target).parent)
        if Glibc.rename(absolute(source), absolute(target)) != 0 {
            throw error(errno, path: source, doing: "rename to \(target)")
        }
        syncDirectory(absolute(LakePath.split(target).parent))
    }

    public func makeDirectories(_ path: String) throws {
        var current = root
        if mkdir(current, directoryMode ?? 0o777) == 0 {
            if let directoryMode { chmod(current, directoryMode) }
        } else if errno != EEXIST {
            throw error(errno, path: "", doing: "create the lake root")
        }
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, directoryMode ?? 0o777) == 0 {
                if let directoryMode { chmod(current, directoryMode) }
            } else if errno != EEXIST {
                throw error(errno, path: path, doing: "create directory")
            }
        }
    }

    /// The absolute file-system path of a lake path.
    public func fileSystemPath(_ path: String) -> String {
        absolute(path)
    }

    private func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private func error(_ code: Int32, path: String, doing action: String) -> LakeError {
        let reason = String(cString: strerror(code))
        let location = absolute(path)
        switch code {
        case ENOENT:
            return LakeError(.notFound, path: path, message: "Cannot \(action) \(location): no such file or directory.")
        case EROFS:
            // Usually passing (a file system remounted read-only after an error, a snapshot
            // being taken): unavailable, so the daemon retries instead of exiting.
            return LakeError(.unavailable, path: path,
                             message: "Cannot \(action) \(location): the file system is read-only; retrying until it is writable again.")
        case EACCES, EPERM:
            return LakeError(.permissionDenied, path: path,
                             message: "Cannot \(action) \(location): \(reason.lowercased()); make the lake directory writable by this user.")
        default:
            return LakeError(.io, path: path, message: "Cannot \(action) \(location): \(reason.lowercased()).")
        }
    }
}

extension LocalLake: DirectoryExchanging {
    /// `renameat2(RENAME_EXCHANGE)`: Linux swaps the two directory entries in one step.
    public func exchangeDirectories(_ first: String, _ second: String) throws {
        guard let exchange = LocalLake.renameat2 else {
            throw LakeError(.io, path: first, message: "Cannot exchange \(absolute(first)) and \(absolute(second)): this C library has no renameat2; compaction needs Linux 3.15 and glibc 2.28 or later.")
        }
        let result = absolute(first).withCString { a in absolute(second).withCString { b in exchange(AT_FDCWD, a, AT_FDCWD, b, 2) } }
        if result != 0 {
            let code = errno
            if code == EINVAL || code == ENOSYS {
                throw LakeError(.io, path: first, message: "Cannot exchange \(absolute(first)) and \(absolute(second)): the file system does not support RENAME_EXCHANGE; compaction needs a local file system such as ext4, xfs or btrfs.")
            }
            throw error(code, path: first, doing: "exchange with \(second)")
        }
        syncDirectory(absolute(LakePath.split(first).parent))
        syncDirectory(absolute(LakePath.split(second).parent))
    }

    public func link(_ source: String, to target: String) throws {
        try makeDirectories(LakePath.split(target).parent)
        if Glibc.link(absolute(source), absolute(target)) != 0 {
            throw error(errno, path: source, doing: "link to \(target)")
        }
    }

    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32

    // Looked up at run time: Swift's Glibc module does not export the GNU-only declaration.
    private static let renameat2: RenameAt2? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()
}
