import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// A libpq connection in logical replication mode (`replication=database`): the
/// replication commands (IDENTIFY_SYSTEM, CREATE/DROP_REPLICATION_SLOT,
/// START_REPLICATION) and, once started, the CopyBoth stream.
///
/// Used from one thread at a time, except `wakeUp`, which any thread may call to end a
/// wait in `receive`.
package final class ReplicationConnection {
    package struct SystemIdentity: Hashable, Sendable {
        /// The cluster's system identifier (changes with a new initdb, not with a restore).
        package var systemID: String
        package var timeline: Int
        /// The current WAL flush position.
        package var walPosition: LSN
        package var database: String?
    }

    package struct CreatedSlot: Hashable, Sendable {
        package var name: String
        /// Changes committed after this position are in the slot's stream.
        package var consistentPoint: LSN
        /// With `exportSnapshot`: a snapshot (`SET TRANSACTION SNAPSHOT`) seeing exactly
        /// the data before `consistentPoint`, valid until this connection's next command.
        package var snapshotName: String?
    }

    package enum Received<T> {
        case message(T)
        case timedOut
        /// `wakeUp()` was called.
        case wokenUp
        /// The server ended the stream without an error.
        case ended
    }

    private var handle: OpaquePointer?
    private let wake: WakeUpPipe
    private(set) var isStreaming = false

    package init(dsn: String, applicationName: String = "medallion") throws {
        let secrets = try PostgresConnection.secrets(of: dsn)
        wake = try WakeUpPipe()
        // As in PostgresConnection: keywords after `dbname` override the DSN's.
        let keys = ["connect_timeout", "dbname", "fallback_application_name", "client_encoding", "replication"]
        let values = ["10", dsn, applicationName, "UTF8", "database"]
        handle = withArrayOfCStrings(keys) { keyPointers in
            withArrayOfCStrings(values) { valuePointers in PQconnectdbParams(keyPointers, valuePointers, 1) }
        }
        guard let handle else {
            throw PostgresError(.connection, message: "Cannot open a replication connection to PostgreSQL: out of memory.")
        }
        if PQstatus(handle) != CONNECTION_OK {
            let detail = PostgresConnection.redacting(secrets, in: PostgresConnection.firstLine(String(cString: PQerrorMessage(handle))))
            PQfinish(handle)
            self.handle = nil
            throw PostgresError(.connection, message: """
                Cannot open a replication connection to PostgreSQL: \(detail). The role needs the REPLICATION \
                attribute and pg_hba.conf must allow it (a "host ... database ..." line covers replication=database).
                """)
        }
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Whether the connection is a Unix-domain socket: it holds only a few hundred small
    /// messages in flight (a loopback or network TCP connection holds megabytes), so the
    /// server stops sending soon after the reader stops reading.
    package var isUnixSocket: Bool {
        guard let handle else { return false }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(PQsocket(handle), $0, &length) == 0 }
        }
        return named && Int32(address.ss_family) == AF_UNIX
    }

    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        isStreaming = false
    }

    /// Ends a `receive` waiting on another thread (for shutdown).
    package func wakeUp() {
        wake.wakeUp()
    }

    /// A handle another thread can keep to wake this connection's reader.
    package var wakeUpPipe: WakeUpPipe { wake }

    package func identifySystem() throws -> SystemIdentity {
        let row = try command("IDENTIFY_SYSTEM", columns: 4)
        guard let systemID = row[0], let timeline = row[1].flatMap({ Int($0) }), let position = row[2].flatMap({ LSN($0) }) else {
            throw PostgresError(.protocolViolation, message: "PostgreSQL answered IDENTIFY_SYSTEM with fields this client cannot read.")
        }
        return SystemIdentity(systemID: systemID, timeline: timeline, walPosition: position, database: row[3])
    }

    /// Creates a logical slot for the pgoutput plugin. A temporary slot is dropped when
    /// this connection closes.
    package func createSlot(_ name: String, temporary: Bool = false, exportSnapshot: Bool = false) throws -> CreatedSlot {
        try Self.checkSlotName(name)
        let snapshot = exportSnapshot ? "export" : "nothing"
        let sql = "CREATE_REPLICATION_SLOT \(name)\(temporary ? " TEMPORARY" : "") LOGICAL pgoutput (SNAPSHOT '\(snapshot)')"
        let row = try command(sql, columns: 4)
        guard let consistentPoint = row[1].flatMap({ LSN($0) }) else {
            throw PostgresError(.protocolViolation, message: "PostgreSQL answered CREATE_REPLICATION_SLOT without a consistent point.")
        }
        return CreatedSlot(name: row[0] ?? name, consistentPoint: consistentPoint, snapshotName: row[2])
    }

    /// Drops a slot; with `wait`, waits for a session still using it to end instead of failing.
    package func dropSlot(_ name: String, wait: Bool = true) throws {
        try Self.checkSlotName(name)
        _ = try command("DROP_REPLICATION_SLOT \(name)\(wait ? " WAIT" : "")", columns: nil)
    }

    /// Starts streaming the slot's changes for `publications` with pgoutput protocol 1.
    /// The server resumes at the slot's confirmed position or at `position`, whichever is later.
    /// - Parameter binary: values in their binary send format (PostgreSQL 14+) instead of text.
    package func startReplication(slot: String, from position: LSN = .zero, publications: [String], binary: Bool = false) throws {
        try Self.checkSlotName(slot)
        guard !publications.isEmpty else {
            throw PostgresError(.query, message: "START_REPLICATION needs at least one publication.")
        }
        let names = publications.map(PostgresConnection.quoteIdentifier).joined(separator: ",")
        var options = ["proto_version '1'", "publication_names \(PostgresConnection.quoteLiteral(names))"]
        if binary { options.append("binary 'true'") }
        let sql = "START_REPLICATION SLOT \(slot) LOGICAL \(position) (\(options.joined(separator: ", ")))"
        let result = try withHandle { PQexec($0, sql) }
        defer { PQclear(result) }
        try check(result, expecting: PGRES_COPY_BOTH)
        isStreaming = true
    }

    /// Waits up to `timeout` seconds for the next CopyData message and passes its bytes
    /// (valid only during the call) to `body`. A pending `wakeUp()` wins over buffered
    /// messages, so a busy stream still stops promptly.
    package func receive<T>(timeout: Double, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> Received<T> {
        let handle = try streamingHandle()
        // Read only once nothing is buffered: under a steady stream no message pays for it.
        var deadline: Double?
        var readAtDeadline = false
        while true {
            // Before any buffered message: under a steady stream the reader never polls.
            if wake.consume() { return .wokenUp }
            var buffer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(handle, &buffer, 1)
            if count > 0, let buffer {
                defer { PQfreemem(buffer) }
                return .message(try body(UnsafeRawBufferPointer(start: buffer, count: Int(count))))
            }
            if count == -1 {
                isStreaming = false
                try finishStream(handle)
                return .ended
            }
            if count < -1 { throw connectionError(doing: "read the replication stream") }
            // Nothing buffered: wait for the socket, the wake-up pipe or the deadline.
            let end = deadline ?? Self.monotonicNow() + max(0, timeout)
            deadline = end
            let remaining = end - Self.monotonicNow()
            if remaining <= 0 {
                // Once, what the socket already holds (so a zero timeout drains without waiting).
                if readAtDeadline { return .timedOut }
                readAtDeadline = true
                if PQconsumeInput(handle) == 0 { throw connectionError(doing: "read the replication stream") }
                continue
            }
            var descriptors = [pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wake.readDescriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, Int32(min(remaining, 3600) * 1000) + 1)
            if ready < 0 && errno != EINTR {
                throw PostgresError(.connection, message: "Waiting for the replication stream failed: \(String(cString: strerror(errno))).")
            }
            if descriptors[0].revents != 0, PQconsumeInput(handle) == 0 {
                throw connectionError(doing: "read the replication stream")
            }
        }
    }

    /// Sends a standby status update and flushes it to the socket.
    package func send(_ update: StandbyStatusUpdate) throws {
        let handle = try streamingHandle()
        let bytes = update.encoded
        let queued = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard queued == 1 else { throw connectionError(doing: "send a standby status update") }
        while true {
            let flushed = PQflush(handle)
            if flushed == 0 { return }
            if flushed < 0 { throw connectionError(doing: "send a standby status update") }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLOUT | POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 1000)
            if descriptor.revents & Int16(POLLIN) != 0, PQconsumeInput(handle) == 0 {
                throw connectionError(doing: "send a standby status update")
            }
        }
    }

    /// Slot names are lower-case letters, digits and underscores (PostgreSQL's own rule),
    /// so they go into replication commands unquoted.
    package static func checkSlotName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains($0)
            || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
        guard allowed, (1 ... 63).contains(name.utf8.count) else {
            throw PostgresError(.query, message: "Invalid replication slot name (\(name.utf8.count) bytes): use 1 to 63 lower-case letters, digits and underscores.")
        }
    }

    private func command(_ sql: String, columns: Int?) throws -> [String?] {
        let result = try withHandle { PQexec($0, sql) }
        defer { PQclear(result) }
        try check(result, expecting: columns == nil ? PGRES_COMMAND_OK : PGRES_TUPLES_OK)
        guard let columns else { return [] }
        let rows = PostgresRows(result)
        guard let row = rows.rows.first, row.count >= columns else {
            throw PostgresError(.protocolViolation, message: "PostgreSQL answered a replication command with fewer fields than expected.")
        }
        return row
    }

    private func finishStream(_ handle: OpaquePointer) throws {
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            try check(result, expecting: PGRES_COMMAND_OK)
        }
    }

    private func streamingHandle() throws -> OpaquePointer {
        guard let handle, isStreaming else {
            throw PostgresError(.protocolViolation, message: "The replication connection is not streaming; call startReplication first.")
        }
        return handle
    }

    private func withHandle<T>(_ body: (OpaquePointer) throws -> T?) throws -> T {
        guard let handle else { throw PostgresError(.connection, message: "The replication connection is closed.") }
        guard let value = try body(handle) else { throw connectionError(doing: "send a replication command") }
        return value
    }

    private func check(_ result: OpaquePointer, expecting status: ExecStatusType) throws {
        let actual = PQresultStatus(result)
        if actual == status { return }
        if actual == PGRES_FATAL_ERROR || actual == PGRES_NONFATAL_ERROR {
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? PostgresConnection.firstLine(String(cString: PQresultErrorMessage(result)))
            if handle.map({ PQstatus($0) != CONNECTION_OK }) ?? true || sqlState == nil {
                throw PostgresError(.connection, sqlState: sqlState, message: "Lost the replication connection to PostgreSQL: \(primary).")
            }
            throw PostgresError(.query, sqlState: sqlState, message: primary)
        }
        throw PostgresError(.protocolViolation,
                            message: "PostgreSQL answered \(String(cString: PQresStatus(actual))) to a replication command that expected \(String(cString: PQresStatus(status))).")
    }

    private func connectionError(doing action: String) -> PostgresError {
        let detail = handle.map { PostgresConnection.firstLine(String(cString: PQerrorMessage($0))) } ?? "connection closed"
        return PostgresError(.connection, message: "Lost the replication connection to PostgreSQL while trying to \(action): \(detail).")
    }

    package static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
