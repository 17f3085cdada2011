import Foundation

/// Locations inside this repository, for tests.
public enum Repository {
    /// The repository root (found from this file's path).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A fresh, empty temporary directory.
    public static func temporaryDirectory(_ prefix: String = "medallion-test") throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The built `medallion` executable: `MEDALLION_BIN` (scripts/test sets it to the build
    /// it just made), else the debug build, refused when a source file is newer than it.
    public static func medallionExecutable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["MEDALLION_BIN"] { return path }
        let path = root + "/.build/debug/medallion"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("The medallion executable is not built; run scripts/test (or `swift build` first, or set MEDALLION_BIN).")
        }
        let built = try modificationDate(path)
        if let newer = try newestSource(), newer.date > built {
            throw HarnessError("\(path) is older than \(newer.path): run scripts/test, which builds it first (or `swift build`, or set MEDALLION_BIN).")
        }
        return path
    }

    /// A directory for what tests produce to look at afterwards (screenshots): under
    /// `.build`, never in the tracked tree.
    public static func artifactDirectory() throws -> String {
        let path = root + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func modificationDate(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? .distantPast
    }

    /// The most recently modified file under Sources/.
    private static func newestSource() throws -> (path: String, date: Date)? {
        let sources = root + "/Sources"
        var newest: (path: String, date: Date)?
        for case let relative as String in FileManager.default.enumerator(atPath: sources) ?? NSEnumerator() {
            let path = sources + "/" + relative
            let date = try modificationDate(path)
            if date > (newest?.date ?? .distantPast) { newest = (path, date) }
        }
        return newest
    }
}
