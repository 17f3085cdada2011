/// An error from a lake storage backend, naming the path and what to fix.
public struct LakeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable {
            case notFound, permissionDenied, invalidLocation, io, unavailable, quotaExceeded
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The path does not exist.
        public static let notFound = Code(.notFound)
        /// The lake refused access to the path.
        public static let permissionDenied = Code(.permissionDenied)
        /// The lake location (URL or path) is malformed or unsupported.
        public static let invalidLocation = Code(.invalidLocation)
        /// Reading or writing failed.
        public static let io = Code(.io)
        /// The lake could not be reached (possibly transient).
        public static let unavailable = Code(.unavailable)
        /// A namespace or space quota of the lake's storage is exhausted (HDFS); not
        /// transient: raise the quota or free space.
        public static let quotaExceeded = Code(.quotaExceeded)
    }

    public var code: Code
    /// The lake-relative path (or location) concerned.
    public var path: String
    /// One sentence saying what went wrong and, where possible, what to do.
    public var message: String

    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
