import Foundation

/// Opens a lake from the location a user configures (`MEDALLION_LAKE`).
public enum LakeLocation {
    /// Parses `file:///abs/path`, `webhdfs://...` or a plain directory path (made absolute against the
    /// current directory) and returns the storage for it.
    ///
    /// `webhdfs://namenode:9870/root` (`swebhdfs://` for TLS, `nn1:9870,nn2:9870` for an HA
    /// pair) opens a `WebHDFSLake`, configured further by the `MEDALLION_HDFS_*` variables
    /// in `environment` (see `WebHDFSLake.Configuration`).
    public static func open(_ location: String, currentDirectory: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any LakeStorage {
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
            return LocalLake(root: path, fileMode: try fileMode(environment))
        }
        if trimmed.hasPrefix("webhdfs://") || trimmed.hasPrefix("swebhdfs://") {
            return WebHDFSLake(configuration: try WebHDFSLake.Configuration(location: trimmed, environment: environment))
        }
        if let scheme = trimmed.firstRange(of: "://") {
            let name = trimmed[..<scheme.lowerBound]
            throw LakeError(.invalidLocation, path: location,
                            message: "The lake scheme \(name):// is not supported; use file:///abs/path, webhdfs://namenode:9870/path or a directory path.")
        }
        let path = trimmed.hasPrefix("/") ? trimmed : currentDirectory + "/" + trimmed
        return LocalLake(root: path, fileMode: try fileMode(environment))
    }

    /// `MEDALLION_LAKE_FILE_MODE`: an octal mode such as `0640` that keeps the owner's read and write.
    static func fileMode(_ environment: [String: String]) throws -> mode_t? {
        guard let text = environment["MEDALLION_LAKE_FILE_MODE"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return nil
        }
        guard let mode = mode_t(text, radix: 8), mode <= 0o777, mode & 0o600 == 0o600 else {
            throw LakeError(.invalidLocation, path: text,
                            message: "MEDALLION_LAKE_FILE_MODE=\(text) is not an octal file mode from 0600 to 0777 that lets the owner read and write (e.g. 0640).")
        }
        return mode
    }
}
