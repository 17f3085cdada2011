/// An error of the dashboard: gold or the bookmark that cannot be parsed, a lake that
/// cannot be reached.
///
/// `description` is the one sentence shown on the page and in the API; `debugDescription`
/// adds the underlying detail for logs.
public struct DashboardError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case malformedGold = "malformed_gold"
            case malformedBookmark = "malformed_bookmark"
            case lakeUnavailable = "lake_unavailable"
            case invalidConfiguration = "invalid_configuration"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A gold file exists but is not what the gold job's interface promises.
        public static let malformedGold = Code(.malformedGold)
        /// `bronze/bookmark` cannot be parsed.
        public static let malformedBookmark = Code(.malformedBookmark)
        /// The lake could not be read (unreachable, permission, I/O).
        public static let lakeUnavailable = Code(.lakeUnavailable)
        /// A setting is out of range.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// One sentence saying what is wrong, safe to show to users.
    public var message: String
    /// The underlying error or offending text, for logs only.
    public var detail: String?

    /// Creates an error.
    public init(_ code: Code, message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { message }

    public var debugDescription: String {
        detail.map { "\(code): \(message) (\($0))" } ?? "\(code): \(message)"
    }
}
