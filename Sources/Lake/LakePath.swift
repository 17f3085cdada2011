/// Helpers for lake-relative paths.
public enum LakePath {
    /// Joins path components with `/`, ignoring empty ones.
    public static func join(_ components: String...) -> String {
        components.flatMap { $0.split(separator: "/") }.joined(separator: "/")
    }

    /// Splits a path into its parent directory and its last component.
    public static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// Whether a file name is one that readers (Spark, DuckDB, our own) must ignore:
    /// hidden (`.`) or private (`_`) names, as Hadoop's input formats do.
    public static func isHidden(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasPrefix("_")
    }
}
