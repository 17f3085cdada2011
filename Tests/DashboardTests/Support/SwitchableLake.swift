import Lake
import Synchronization

/// A lake that can be made unreachable, as a WebHDFS namenode can be: every call then
/// throws `LakeError.unavailable`.
final class SwitchableLake: LakeStorage {
    let base: any LakeStorage
    private let down = Mutex(false)

    init(_ base: any LakeStorage) { self.base = base }

    var isDown: Bool {
        get { down.withLock { $0 } }
        set { down.withLock { $0 = newValue } }
    }

    var description: String { base.description }

    private func check(_ path: String) throws {
        if isDown { throw LakeError(.unavailable, path: path, message: "Cannot reach the namenode for \(path).") }
    }

    func writeAtomically(_ path: String, data: [UInt8]) throws { try base.writeAtomically(path, data: data) }
    func read(_ path: String) throws -> [UInt8] { try check(path); return try base.read(path) }
    func list(_ directory: String) throws -> [LakeEntry] { try check(directory); return try base.list(directory) }
    func delete(_ path: String) throws { try base.delete(path) }
    func rename(_ source: String, to target: String) throws { try base.rename(source, to: target) }
    func makeDirectories(_ path: String) throws { try base.makeDirectories(path) }
}
