@testable import CDC

/// Builders for hand-written replication stream bytes, field by field as the protocol
/// documentation lists them.
enum PgOutputBytes {
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] { SendBytes.be(value) }
    static func string(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
    static func tag(_ letter: Character) -> [UInt8] { [letter.asciiValue!] }

    static func begin(final: UInt64, time: Int64, xid: UInt32) -> [UInt8] {
        tag("B") + be(final) + be(time) + be(xid)
    }

    static func commit(lsn: UInt64, end: UInt64, time: Int64) -> [UInt8] {
        tag("C") + [0] + be(lsn) + be(end) + be(time)
    }

    static func relation(id: UInt32, namespace: String, name: String, identity: Character,
                         columns: [(key: Bool, name: String, type: UInt32, typmod: Int32)]) -> [UInt8] {
        var bytes = tag("R") + be(id) + string(namespace) + string(name) + tag(identity) + be(Int16(columns.count))
        for column in columns {
            bytes += [column.key ? 1 : 0] + string(column.name) + be(column.type) + be(column.typmod)
        }
        return bytes
    }

    static func tuple(_ values: [LogicalValue]) -> [UInt8] {
        var bytes = be(Int16(values.count))
        for value in values {
            switch value {
            case .null: bytes += tag("n")
            case .unchangedToast: bytes += tag("u")
            case .text(let data): bytes += tag("t") + be(Int32(data.count)) + data
            case .binary(let data): bytes += tag("b") + be(Int32(data.count)) + data
            }
        }
        return bytes
    }

    static func xLogData(start: UInt64, end: UInt64, clock: Int64, _ message: [UInt8]) -> [UInt8] {
        tag("w") + be(start) + be(end) + be(clock) + message
    }

    static func keepalive(end: UInt64, clock: Int64, reply: Bool) -> [UInt8] {
        tag("k") + be(end) + be(clock) + [reply ? 1 : 0]
    }

    static func text(_ string: String) -> LogicalValue { .text(Array(string.utf8)) }
}

func decodeMessage(_ bytes: [UInt8]) throws -> PgOutputMessage {
    try bytes.withUnsafeBytes { try PgOutputMessage(decoding: $0) }
}

func decodeReplication(_ bytes: [UInt8]) throws -> ReplicationMessage {
    try bytes.withUnsafeBytes { try ReplicationMessage(decoding: $0) }
}
