/// An error from PostgreSQL or from talking to it, in one sentence a user can act on.
///
/// `description` never includes the connection string (it may hold a password).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        private enum Base: Hashable, Sendable { case connection, query, protocolViolation }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Could not connect, or the connection was lost.
        public static let connection = Code(.connection)
        /// The server rejected a statement.
        public static let query = Code(.query)
        /// The server answered something the client did not expect.
        public static let protocolViolation = Code(.protocolViolation)
    }

    public var code: Code
    /// The five-character SQLSTATE when the server sent one (`42P01`: undefined table).
    public var sqlState: String?
    public var message: String

    public init(_ code: Code, sqlState: String? = nil, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String { message }

    /// Whether reconnecting may help (connection lost, server shutting down or starting).
    /// Errors a retry cannot fix (bad credentials, an unknown database or role, a malformed
    /// connection string) are not transient: the daemon exits on them with the message.
    public var isTransient: Bool {
        if code == .connection { return !Self.isRefusal(message) }
        guard let sqlState else { return false }
        // 08: connection exception; 53: insufficient resources (disk full, out of memory,
        // too many connections); 57P01..57P03: admin shutdown, crash, cannot connect now;
        // 57014: statement timeout or cancel; 25006: read-only (a standby, or during
        // failover); 55P03/55006: lock not available, object in use; 58030: I/O error;
        // 40001/40P01: serialization failure, deadlock.
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("53")
            || ["57P01", "57P02", "57P03", "57014", "25006", "55P03", "55006", "58030", "40001", "40P01"].contains(sqlState)
    }

    /// Whether a failure to connect means the server refused this client or its
    /// configuration, rather than that it could not be reached.
    static func isRefusal(_ message: String) -> Bool {
        ["password authentication failed", "authentication failed", "no pg_hba.conf entry", "does not exist",
         "invalid connection option", "invalid connection string", "missing \"=\"", "invalid URI", "invalid sslmode", "is not permitted to log in"]
            .contains { message.contains($0) }
    }
}
