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

    /// The built `medallion` executable (`MEDALLION_BIN`, else the newest debug build).
    public static func medallionExecutable() throws -> String {
        if let path = ProcessInfo.processInfo.environment["MEDALLION_BIN"] { return path }
        let candidates = [".build/debug/medallion", ".build/release/medallion"]
            .map { root + "/" + $0 }
            .filter { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path = candidates.first else {
            throw HarnessError("The medallion executable is not built; run `swift build` first (or set MEDALLION_BIN).")
        }
        return path
    }
}
