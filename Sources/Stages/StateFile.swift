import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files the stage runner keeps in its log directory (its log, status, driver group
/// records, the submit runner's result, the class archive, the warm driver's token pipe),
/// handled so that a name someone else planted there is never followed or trusted: no
/// symbolic link is followed (`O_NOFOLLOW`), new files are created exclusively (`O_EXCL`)
/// and readable by this user only, and a file another user owns is refused.
enum StateFile {
    /// Why a state file or directory cannot be used, in words for a message.
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "\(path): \(reason)" }

        init(_ path: String, _ reason: String) {
            self.path = path
            self.reason = reason
        }

        init(_ path: String, errorNumber: Int32) {
            self.init(path, errorNumber == ELOOP ? "a symbolic link (not followed); remove it" : String(cString: strerror(errorNumber)))
        }
    }

    /// Opens `path` to append to, creating it (0600) when missing.
    static func openForAppending(_ path: String) throws(Failure) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(path, errorNumber: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() else {
            close(fd)
            throw Failure(path, "not a regular file of this user's; remove it")
        }
        return fd
    }

    /// Writes `bytes` under a fresh name beside `path` (created exclusively, 0600), then
    /// renames it to `path`: whatever was planted at `path` is replaced, never followed.
    static func writeAtomically(_ bytes: Data, to path: String) throws(Failure) {
        let temporary = "\(path).tmp-\(UUID().uuidString)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw Failure(temporary, errorNumber: errno) }
        let written = bytes.withUnsafeBytes { writeAll(fd, $0) }
        let closed = close(fd) == 0
        guard written && closed && rename(temporary, path) == 0 else {
            let failure = Failure(path, errorNumber: errno)
            unlink(temporary)
            throw failure
        }
    }

    /// The contents of `path`, or `nil` when there is no such file. A symbolic link, and
    /// a file another user owns (unless this is root), are refused.
    static func read(_ path: String) throws(Failure) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 && errno == ENOENT { return nil }
        guard fd >= 0 else { throw Failure(path, errorNumber: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() || geteuid() == 0 else {
            throw Failure(path, "not a regular file of this user's; remove it")
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure(path, errorNumber: errno) }
            if count == 0 { return data }
            data.append(contentsOf: chunk[..<count])
        }
    }

    /// Whether something (a link included) is at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Whether `path` is a regular file (not a link) this user owns and no one else may write.
    static func isTrusted(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFREG && info.st_uid == geteuid() && info.st_mode & 0o022 == 0
    }

    /// Makes sure `directory` exists, creating it and any missing parent readable by this
    /// user only (0700). An existing directory is refused when another user may create
    /// or replace names in it (writable by its group or by everyone, or owned by another
    /// user than this one or root).
    static func prepareDirectory(_ directory: String) throws(Failure) {
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else { throw Failure(directory, errorNumber: errno) }
            let parent = (directory as NSString).deletingLastPathComponent
            if !parent.isEmpty && parent != directory { try prepareParent(parent) }
            guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw Failure(directory, errorNumber: errno) }
            guard stat(directory, &info) == 0 else { throw Failure(directory, errorNumber: errno) }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw Failure(directory, "not a directory") }
        guard info.st_uid == geteuid() || info.st_uid == 0, info.st_mode & 0o022 == 0 else {
            throw Failure(directory, "other users may write in it; use a directory of your own")
        }
    }

    /// Creates the missing parents of a private directory (0700, like the XDG base
    /// directories); existing ones are left as they are.
    private static func prepareParent(_ directory: String) throws(Failure) {
        var info = stat()
        if stat(directory, &info) == 0 { return }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != directory { try prepareParent(parent) }
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST else { throw Failure(directory, errorNumber: errno) }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            offset += count
        }
        return true
    }
}
