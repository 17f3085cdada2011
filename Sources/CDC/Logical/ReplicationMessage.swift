import Postgres

/// A CopyData message the walsender sends during `START_REPLICATION` ("Streaming
/// Replication Protocol" in PostgreSQL's protocol chapter).
enum ReplicationMessage: Hashable, Sendable {
    /// `w`: WAL data, here one pgoutput message.
    case xLogData(XLogData)
    /// `k`: the server's position and clock; when `replyRequested`, answer with a
    /// standby status update now or be disconnected after `wal_sender_timeout`.
    case keepalive(walEnd: LSN, serverClock: Int64, replyRequested: Bool)

    struct XLogData: Hashable, Sendable {
        /// The WAL position of the record the message was decoded from (`0/0` for a
        /// Commit is possible; several changes of one record share it).
        var walStart: LSN
        /// The end of WAL on the server when it was sent.
        var walEnd: LSN
        /// Microseconds since 2000-01-01 UTC.
        var serverClock: Int64
        var message: PgOutputMessage
    }

    /// Decodes one CopyData payload as `PQgetCopyData` returns it.
    init(decoding bytes: UnsafeRawBufferPointer) throws(LogicalReplicationError) {
        var reader = PgOutputReader(ByteReader(bytes))
        let tag = try reader.byte("replication message tag")
        switch tag {
        case UInt8(ascii: "w"):
            reader.context = "XLogData"
            let start = try reader.lsn("WAL start")
            let end = try reader.lsn("WAL end")
            let clock = try reader.int64("server clock")
            let payload = UnsafeRawBufferPointer(rebasing: bytes[reader.reader.offset...])
            guard !payload.isEmpty else {
                throw LogicalReplicationError(.truncated, "XLogData: the message carries no pgoutput message")
            }
            self = .xLogData(XLogData(walStart: start, walEnd: end, serverClock: clock,
                                      message: try PgOutputMessage(decoding: payload)))
        case UInt8(ascii: "k"):
            reader.context = "primary keepalive"
            let end = try reader.lsn("WAL end")
            let clock = try reader.int64("server clock")
            let reply = try reader.byte("reply flag")
            try reader.expectEnd()
            self = .keepalive(walEnd: end, serverClock: clock, replyRequested: reply != 0)
        default:
            throw LogicalReplicationError(.unknownTag, "unknown replication message tag \(PgOutputReader.show(tag)) (expected 'w' or 'k')")
        }
    }
}
