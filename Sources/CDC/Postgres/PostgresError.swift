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
    public var isTransient: Bool {
        if code == .connection { return true }
        guard let sqlState else { return false }
        // Class 08: connection exception; 57P01..57P03: admin shutdown, crash, cannot connect now.
        return sqlState.hasPrefix("08") || ["57P01", "57P02", "57P03", "40001", "40P01"].contains(sqlState)
    }
}
