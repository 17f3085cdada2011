import Foundation
import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection. Owns the `PGconn` handle; used from one thread at a time.
///
/// The connection string is a libpq keyword/value string or URI; libpq also reads the
/// usual `PG*` environment variables and `~/.pgpass`.
public final class PostgresConnection {
    private var handle: OpaquePointer?

    /// Connects, or throws a `PostgresError` naming the server that could not be reached.
    public init(dsn: String, applicationName: String = "medallion") throws {
        // libpq's parse errors quote the connection string (`missing "=" after "<password
        // fragment>"`), so the string is checked here first and those errors never shown.
        let secrets = try Self.secrets(of: dsn)
        // Keywords after `dbname` override what the DSN says; those before it are defaults.
        // Text must arrive as UTF-8 whatever the database encoding: Parquet STRING is UTF-8.
        let keys = ["connect_timeout", "dbname", "fallback_application_name", "client_encoding"]
        let values = ["10", dsn, applicationName, "UTF8"]
        handle = withArrayOfCStrings(keys) { keyPointers in
            withArrayOfCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let handle else {
            throw PostgresError(.connection, message: "Cannot connect to PostgreSQL: out of memory.")
        }
        if PQstatus(handle) != CONNECTION_OK {
            let detail = Self.redacting(secrets, in: Self.firstLine(String(cString: PQerrorMessage(handle))))
            PQfinish(handle)
            self.handle = nil
            throw PostgresError(.connection,
                                message: "Cannot connect to PostgreSQL: \(detail). Check MEDALLION_DSN (host, port, database, user) and that the server is running.")
        }
        _ = try? execute("SET client_min_messages = warning")
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Closes the connection now (also done on deinit).
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// Where this connection goes, for logs: `host:port/database as user` (never the password).
    public var serverDescription: String {
        guard let handle else { return "closed connection" }
        let host = String(cString: PQhost(handle))
        let port = String(cString: PQport(handle))
        return "\(host):\(port)/\(String(cString: PQdb(handle))) as \(String(cString: PQuser(handle)))"
    }

    /// The server's process id for this session.
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Runs one statement (with `$1`-style text parameters) and returns its rows as text.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let result = try withHandle { handle in
            withOptionalCStrings(parameters) { pointers in
                PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        try check(result, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
        return PostgresRows(result)
    }

    /// Runs several statements in one simple-query round trip (no parameters) and returns
    /// the rows of the last one.
    @discardableResult
    public func executeScript(_ sql: String) throws -> PostgresRows {
        // PQexec keeps only the last result; an error in any statement ends the script.
        let result = try withHandle { PQexec($0, sql) }
        defer { PQclear(result) }
        try check(result, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
        while let next = PQgetResult(handle) {
            defer { PQclear(next) }
            try check(next, sql: sql, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY])
        }
        return PostgresRows(result)
    }

    /// Runs `COPY ... TO STDOUT` and hands each chunk of data to `body` as it arrives.
    /// - Returns: the number of bytes received.
    @discardableResult
    /// With `cancelOnError`, an error thrown by `body` cancels the COPY on the server instead
    /// of reading the rest of its output; the transaction is then aborted (roll back to a
    /// savepoint taken before the COPY to go on).
    public func copyOut(_ sql: String, cancelOnError: Bool = false, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let result = try withHandle { PQexec($0, sql) }
        try check(result, sql: sql, expecting: [PGRES_COPY_OUT])
        PQclear(result)
        var total = 0
        var bodyError: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(handle, &buffer, 0)
            if count > 0, let buffer {
                defer { PQfreemem(buffer) }
                total += Int(count)
                if bodyError == nil {
                    do {
                        try body(UnsafeRawBufferPointer(start: buffer, count: Int(count)))
                    } catch {
                        // Keep draining so the connection stays usable, then rethrow.
                        bodyError = error
                        if cancelOnError { cancelRunningStatement() }
                    }
                }
            } else if count == -1 {
                break
            } else {
                throw connectionError(doing: "read COPY data")
            }
        }
        while let next = PQgetResult(handle) {
            defer { PQclear(next) }
            do {
                try check(next, sql: sql, expecting: [PGRES_COMMAND_OK])
            } catch let error as PostgresError where bodyError != nil && cancelOnError && error.sqlState == "57014" {
                // The cancel this client asked for.
            }
        }
        if let bodyError { throw bodyError }
        return total
    }

    /// Asks the server to cancel the statement this connection runs.
    private func cancelRunningStatement() {
        guard let handle, let cancel = PQgetCancel(handle) else { return }
        defer { PQfreeCancel(cancel) }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
    }

    /// Waits up to `timeout` seconds for notifications (after `LISTEN`), returning those
    /// that arrived (possibly none). Returns early when data arrives.
    public func waitForNotifications(timeout: Double) throws -> [PostgresNotification] {
        guard let handle else { throw PostgresError(.connection, message: "The PostgreSQL connection is closed.") }
        var notifications = try drainNotifications()
        if !notifications.isEmpty { return notifications }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(0, min(timeout, 3600)) * 1000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR {
            throw PostgresError(.connection, message: "Waiting for PostgreSQL notifications failed: \(String(cString: strerror(errno))).")
        }
        if ready > 0 {
            if PQconsumeInput(handle) == 0 { throw connectionError(doing: "read notifications") }
            notifications = try drainNotifications()
        }
        return notifications
    }

    private func drainNotifications() throws -> [PostgresNotification] {
        guard let handle else { return [] }
        if PQconsumeInput(handle) == 0 { throw connectionError(doing: "read notifications") }
        var notifications: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            notifications.append(PostgresNotification(channel: String(cString: notify.pointee.relname),
                                                       payload: String(cString: notify.pointee.extra),
                                                       pid: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return notifications
    }

    /// Quotes an identifier for SQL (`"Order ""x"""`).
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal for SQL (`'it''s'`).
    public static func quoteLiteral(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private func withHandle<T>(_ body: (OpaquePointer) throws -> T?) throws -> T {
        guard let handle else { throw PostgresError(.connection, message: "The PostgreSQL connection is closed.") }
        guard let value = try body(handle) else { throw connectionError(doing: "send a statement") }
        return value
    }

    private func check(_ result: OpaquePointer?, sql: String, expecting statuses: [ExecStatusType]) throws {
        guard let result else { throw connectionError(doing: "run a statement") }
        let status = PQresultStatus(result)
        if statuses.contains(status) { return }
        if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR {
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? Self.firstLine(String(cString: PQresultErrorMessage(result)))
            if PQstatus(handle) != CONNECTION_OK || sqlState == nil {
                throw PostgresError(.connection, sqlState: sqlState, message: "Lost the connection to PostgreSQL: \(primary).")
            }
            throw PostgresError(.query, sqlState: sqlState, message: primary)
        }
        throw PostgresError(.protocolViolation,
                            message: "PostgreSQL answered \(String(cString: PQresStatus(status))) to a statement that expected otherwise.")
    }

    private func connectionError(doing action: String) -> PostgresError {
        let detail = handle.map { Self.firstLine(String(cString: PQerrorMessage($0))) } ?? "connection closed"
        return PostgresError(.connection, message: "Lost the connection to PostgreSQL while trying to \(action): \(detail).")
    }

    /// The password the connection string (or `PGPASSWORD`) holds, to keep out of messages;
    /// throws, without quoting it, when libpq cannot parse the string.
    static func secrets(of dsn: String) throws -> [String] {
        var secrets: [String] = []
        if let password = ProcessInfo.processInfo.environment["PGPASSWORD"], !password.isEmpty {
            secrets.append(password)
        }
        // libpq reads a bare word as a database name; only these are parsed as connection strings.
        guard dsn.contains("=") || dsn.hasPrefix("postgresql://") || dsn.hasPrefix("postgres://") else { return secrets }
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(dsn, &error) else {
            if let error { PQfreemem(error) }
            throw PostgresError(.connection, message: """
                Cannot connect to PostgreSQL: invalid connection string in MEDALLION_DSN or --dsn. Write known \
                keyword=value pairs (host, port, dbname, user, sslmode, ...), single-quoting values with spaces or \
                quotes, or a postgresql:// URI with percent-encoded parts; libpq's own message is not shown because it \
                can quote the password.
                """)
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val, value.pointee != 0 {
                secrets.append(String(cString: value))
            }
            option += 1
        }
        return secrets
    }

    /// `text` with every occurrence of a secret replaced.
    static func redacting(_ secrets: [String], in text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "<redacted>") }
    }

    static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n").first.map(String.init) ?? text
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasSuffix(".") ? String(trimmed.dropLast()) : trimmed
    }
}

/// A notification received on a `LISTEN` channel.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    public var pid: Int32
}
