import Foundation

/// Opens a lake from the location a user configures (`MEDALLION_LAKE`).
public enum LakeLocation {
    /// Parses `file:///abs/path` or a plain directory path (made absolute against the
    /// current directory) and returns the storage for it.
    public static func open(_ location: String, currentDirectory: String) throws -> any LakeStorage {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw LakeError(.invalidLocation, path: location,
                            message: "No lake location given; set MEDALLION_LAKE or --lake to file:///abs/path or a directory.")
        }
        if trimmed.hasPrefix("file://") {
            let path = String(trimmed.dropFirst("file://".count))
            guard path.hasPrefix("/") else {
                throw LakeError(.invalidLocation, path: location,
                                message: "The lake location \(location) must be file:///absolute/path (three slashes).")
            }
            return LocalLake(root: path)
        }
        if let scheme = trimmed.firstRange(of: "://") {
            let name = trimmed[..<scheme.lowerBound]
            throw LakeError(.invalidLocation, path: location,
                            message: "The lake scheme \(name):// is not supported; use file:///abs/path or a directory path.")
        }
        let path = trimmed.hasPrefix("/") ? trimmed : currentDirectory + "/" + trimmed
        return LocalLake(root: path)
    }
}
