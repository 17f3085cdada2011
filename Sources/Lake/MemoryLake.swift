import Synchronization

/// A lake held in memory, for tests.
public final class MemoryLake: LakeStorage {
    fileprivate let files = Mutex<[String: [UInt8]]>([:])

    public init() {}

    public var description: String { "memory://" }

    public func writeAtomically(_ path: String, data: [UInt8]) throws {
        files.withLock { $0[path] = data }
    }

    public func read(_ path: String) throws -> [UInt8] {
        guard let data = files.withLock({ $0[path] }) else {
            throw LakeError(.notFound, path: path, message: "Cannot read memory://\(path): no such file.")
        }
        return data
    }

    public func list(_ directory: String) throws -> [LakeEntry] {
        let prefix = directory.isEmpty ? "" : directory + "/"
        var entries: [String: LakeEntry] = [:]
        files.withLock { files in
            for (path, data) in files where path.hasPrefix(prefix) {
                let rest = path.dropFirst(prefix.count)
                if let slash = rest.firstIndex(of: "/") {
                    let name = String(rest[..<slash])
                    entries[name] = LakeEntry(path: prefix + name, name: name, isDirectory: true, size: 0)
                } else {
                    entries[String(rest)] = LakeEntry(path: path, name: String(rest), isDirectory: false, size: data.count)
                }
            }
        }
        return entries.values.sorted { $0.name < $1.name }
    }

    public func delete(_ path: String) throws {
        files.withLock { files in
            files = files.filter { $0.key != path && !$0.key.hasPrefix(path + "/") }
        }
    }

    public func rename(_ source: String, to target: String) throws {
        try files.withLock { files in
            guard let data = files.removeValue(forKey: source) else {
                throw LakeError(.notFound, path: source, message: "Cannot rename memory://\(source): no such file.")
            }
            files[target] = data
        }
    }

    public func makeDirectories(_ path: String) throws {}
}

extension MemoryLake: DirectoryExchanging {
    public func exchangeDirectories(_ first: String, _ second: String) throws {
        files.withLock { files in
            var swapped: [String: [UInt8]] = [:]
            for (path, data) in files {
                if path.hasPrefix(first + "/") {
                    swapped[second + path.dropFirst(first.count)] = data
                } else if path.hasPrefix(second + "/") {
                    swapped[first + path.dropFirst(second.count)] = data
                } else {
                    swapped[path] = data
                }
            }
            files = swapped
        }
    }

    public func link(_ source: String, to target: String) throws {
        try writeAtomically(target, data: try read(source))
    }
}
