import Postgres

// The pgoutput message formats of protocol version 1 ("Logical Replication Message
// Formats" in PostgreSQL's protocol chapter). Version 2's streamed transactions and
// version 3's two-phase messages are not requested, so never arrive.

extension PgOutputMessage {
    /// Decodes one whole message; the bytes must hold exactly one.
    init(decoding bytes: UnsafeRawBufferPointer) throws(LogicalReplicationError) {
        var reader = PgOutputReader(ByteReader(bytes))
        let tag = try reader.byte("message tag")
        reader.context = Self.name(of: tag)
        switch tag {
        case UInt8(ascii: "B"):
            self = .begin(Begin(finalLSN: try reader.lsn("final LSN"), commitTime: try reader.int64("commit time"),
                                xid: try reader.uint32("xid")))
        case UInt8(ascii: "C"):
            self = .commit(Commit(flags: try reader.byte("flags"), commitLSN: try reader.lsn("commit LSN"),
                                  endLSN: try reader.lsn("end LSN"), commitTime: try reader.int64("commit time")))
        case UInt8(ascii: "O"):
            self = .origin(commitLSN: try reader.lsn("origin commit LSN"), name: try reader.string("origin name"))
        case UInt8(ascii: "R"):
            self = .relation(try reader.relation())
        case UInt8(ascii: "Y"):
            self = .type(oid: try reader.uint32("type OID"), namespace: try reader.string("type namespace"),
                         name: try reader.string("type name"))
        case UInt8(ascii: "I"):
            let relationID = try reader.uint32("relation id")
            try reader.expectTag(UInt8(ascii: "N"), "new tuple tag")
            self = .insert(relationID: relationID, new: try reader.tuple())
        case UInt8(ascii: "U"):
            let relationID = try reader.uint32("relation id")
            var old: OldImage?
            var tag = try reader.byte("tuple tag")
            if tag == UInt8(ascii: "K") || tag == UInt8(ascii: "O") {
                let tuple = try reader.tuple()
                old = tag == UInt8(ascii: "K") ? .key(tuple) : .full(tuple)
                tag = try reader.byte("new tuple tag")
            }
            guard tag == UInt8(ascii: "N") else { throw reader.unknownTag(tag, "tuple tag") }
            self = .update(relationID: relationID, old: old, new: try reader.tuple())
        case UInt8(ascii: "D"):
            let relationID = try reader.uint32("relation id")
            let tag = try reader.byte("old tuple tag")
            switch tag {
            case UInt8(ascii: "K"): self = .delete(relationID: relationID, old: .key(try reader.tuple()))
            case UInt8(ascii: "O"): self = .delete(relationID: relationID, old: .full(try reader.tuple()))
            default: throw reader.unknownTag(tag, "old tuple tag")
            }
        case UInt8(ascii: "T"):
            let count = try reader.int32("relation count")
            guard count >= 0 else { throw reader.invalid("negative relation count \(count)") }
            let options = TruncateOptions(rawValue: try reader.byte("options"))
            var ids: [UInt32] = []
            for _ in 0 ..< count { ids.append(try reader.uint32("relation id")) }
            self = .truncate(relationIDs: ids, options: options)
        case UInt8(ascii: "M"):
            let flags = try reader.byte("flags")
            let lsn = try reader.lsn("message LSN")
            let prefix = try reader.string("prefix")
            let length = try reader.int32("content length")
            guard length >= 0 else { throw reader.invalid("negative content length \(length)") }
            self = .message(transactional: flags & 1 != 0, lsn: lsn, prefix: prefix,
                            content: Array(try reader.bytes(Int(length), "content")))
        default:
            throw LogicalReplicationError(.unknownTag, "unknown pgoutput message tag \(PgOutputReader.show(tag)); was the slot created with a plugin other than pgoutput, or a protocol version above 1 requested?")
        }
        try reader.expectEnd()
    }

    static func name(of tag: UInt8) -> String {
        switch tag {
        case UInt8(ascii: "B"): "Begin"
        case UInt8(ascii: "C"): "Commit"
        case UInt8(ascii: "O"): "Origin"
        case UInt8(ascii: "R"): "Relation"
        case UInt8(ascii: "Y"): "Type"
        case UInt8(ascii: "I"): "Insert"
        case UInt8(ascii: "U"): "Update"
        case UInt8(ascii: "D"): "Delete"
        case UInt8(ascii: "T"): "Truncate"
        case UInt8(ascii: "M"): "Message"
        default: "message \(PgOutputReader.show(tag))"
        }
    }
}

/// A `ByteReader` that reports in `LogicalReplicationError`s naming the message.
struct PgOutputReader {
    var reader: ByteReader
    /// The message being read, for errors.
    var context = "message"

    init(_ reader: ByteReader) {
        self.reader = reader
    }

    mutating func byte(_ what: StaticString) throws(LogicalReplicationError) -> UInt8 {
        try integer(UInt8.self, what)
    }

    mutating func int32(_ what: StaticString) throws(LogicalReplicationError) -> Int32 {
        try integer(Int32.self, what)
    }

    mutating func uint32(_ what: StaticString) throws(LogicalReplicationError) -> UInt32 {
        try integer(UInt32.self, what)
    }

    mutating func int64(_ what: StaticString) throws(LogicalReplicationError) -> Int64 {
        try integer(Int64.self, what)
    }

    mutating func lsn(_ what: StaticString) throws(LogicalReplicationError) -> LSN {
        LSN(try integer(UInt64.self, what))
    }

    mutating func integer<T: FixedWidthInteger>(_ type: T.Type, _ what: StaticString) throws(LogicalReplicationError) -> T {
        do {
            return try reader.read(T.self, what)
        } catch {
            throw cutShort(error)
        }
    }

    mutating func bytes(_ count: Int, _ what: StaticString) throws(LogicalReplicationError) -> UnsafeRawBufferPointer {
        do {
            return try reader.readBytes(count, what)
        } catch {
            throw cutShort(error)
        }
    }

    /// A NUL-terminated string (names are sent in the client encoding, UTF-8 here).
    mutating func string(_ what: StaticString) throws(LogicalReplicationError) -> String {
        let rest = UnsafeRawBufferPointer(rebasing: reader.bytes[reader.offset...])
        guard let end = rest.firstIndex(of: 0) else {
            throw LogicalReplicationError(.truncated, "\(context): \(what) has no terminating NUL in the \(rest.count) bytes left; the message is cut short")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: rest[..<end]), as: UTF8.self)
        _ = try bytes(end + 1, what)
        return text
    }

    mutating func expectTag(_ expected: UInt8, _ what: StaticString) throws(LogicalReplicationError) {
        let tag = try byte(what)
        guard tag == expected else { throw unknownTag(tag, what) }
    }

    func expectEnd() throws(LogicalReplicationError) {
        guard reader.isAtEnd else {
            throw LogicalReplicationError(.trailingData, "\(context): \(reader.remaining) bytes left after the message's last field; the server's protocol differs from version 1")
        }
    }

    func unknownTag(_ tag: UInt8, _ what: StaticString) -> LogicalReplicationError {
        LogicalReplicationError(.unknownTag, "\(context): unknown \(what) \(Self.show(tag))")
    }

    func invalid(_ detail: String) -> LogicalReplicationError {
        LogicalReplicationError(.invalidField, "\(context): \(detail)")
    }

    mutating func relation() throws(LogicalReplicationError) -> LogicalRelation {
        let id = try uint32("relation id")
        let namespace = try string("namespace")
        let name = try string("relation name")
        let identity = LogicalRelation.ReplicaIdentity(try byte("replica identity"))
        let count = try integer(Int16.self, "column count")
        guard count >= 0 else { throw invalid("negative column count \(count)") }
        var columns: [LogicalRelation.Column] = []
        columns.reserveCapacity(Int(count))
        for _ in 0 ..< count {
            let flags = try byte("column flags")
            columns.append(LogicalRelation.Column(isKey: flags & 1 != 0, name: try string("column name"),
                                                  typeOID: try uint32("column type OID"), typmod: try int32("column typmod")))
        }
        return LogicalRelation(id: id, namespace: namespace, name: name, replicaIdentity: identity, columns: columns)
    }

    /// TupleData: an int16 column count, then per column `n`, `u`, or `t`/`b` with an
    /// int32 length and the bytes.
    mutating func tuple() throws(LogicalReplicationError) -> LogicalTuple {
        let count = try integer(Int16.self, "tuple column count")
        guard count >= 0 else { throw invalid("negative tuple column count \(count)") }
        var tuple = LogicalTuple()
        tuple.reserve(columns: Int(count), bytes: valueBytes(columns: Int(count)))
        for column in 0 ..< Int(count) {
            let kind = try byte("column kind")
            switch kind {
            case UInt8(ascii: "n"): tuple.append(.null)
            case UInt8(ascii: "u"): tuple.append(.unchangedToast)
            case UInt8(ascii: "t"), UInt8(ascii: "b"):
                let length = try int32("column length")
                guard length >= 0 else { throw invalid("column \(column + 1) has negative length \(length)") }
                tuple.append(kind == UInt8(ascii: "t") ? .text : .binary, try bytes(Int(length), "column value"))
            default:
                throw unknownTag(kind, "column kind")
            }
        }
        return tuple
    }

    /// How many value bytes the next `columns` values hold (a look ahead; errors are left
    /// to the reading proper).
    private func valueBytes(columns: Int) -> Int {
        var ahead = reader
        var total = 0
        for _ in 0 ..< columns {
            guard let kind = try? ahead.read(UInt8.self, "column kind") else { break }
            guard kind == UInt8(ascii: "t") || kind == UInt8(ascii: "b") else { continue }
            guard let length = try? ahead.read(Int32.self, "column length"), length >= 0,
                  (try? ahead.readBytes(Int(length), "column value")) != nil else { break }
            total += Int(length)
        }
        return total
    }

    private func cutShort(_ error: CopyBinaryError) -> LogicalReplicationError {
        LogicalReplicationError(.truncated, "\(context): \(error.message); the message is cut short")
    }

    /// A tag byte for messages: the letter when printable, else its code.
    static func show(_ tag: UInt8) -> String {
        (0x21 ... 0x7E).contains(tag) ? "'\(Character(Unicode.Scalar(tag)))'" : "0x\(String(tag, radix: 16))"
    }
}
