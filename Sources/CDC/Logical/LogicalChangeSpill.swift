import Foundation
import Lake
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// The changes of one large transaction in a temporary file, so a transaction of any size
/// costs disk, not memory, while it is received and built into a batch.
///
/// The file is unlinked as soon as it is created: nothing is left behind when the process
/// dies, and no other user can open it. Records are appended and never changed, so a copy
/// of `LogicalChanges` that knows fewer of them still reads a consistent prefix.
///
/// A record: its length (UInt32), then xid, commit LSN, WAL position, index, the
/// relation's number in `relations`, and the operation with its row images; integers
/// big-endian.
final class LogicalChangeSpill {
    private let descriptor: Int32
    private let directory: String
    private var pending: [UInt8] = []
    /// Bytes in the file, not counting `pending`.
    private var written = 0
    private var relations: [LogicalRelation] = []
    private var relationNumbers: [LogicalRelation: UInt32] = [:]

    /// Creates the (already unlinked) file in `directory`.
    init(directory: String) throws {
        // Close-on-exec from the start: the daemon starts Spark drivers from other threads.
        let path = directory + "/.medallion-spill-" + UUID().uuidString
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("create a file in", directory, errno) }
        unlink(path)
        self.descriptor = descriptor
        self.directory = directory
    }

    deinit { close(descriptor) }

    /// Bytes appended so far: the end of the prefix a reader may read.
    var end: Int { written + pending.count }

    func append(_ change: LogicalChange) throws {
        let start = pending.count
        pending.append(contentsOf: [0, 0, 0, 0])
        put(change.xid)
        put(change.commitLSN.rawValue)
        put(change.walPosition.rawValue)
        put(UInt64(change.index))
        put(number(of: change.relation))
        switch change.operation {
        case .insert(let new):
            pending.append(1)
            put(new)
        case .update(let old, let new):
            pending.append(2)
            put(old)
            put(new)
        case .delete(let old):
            pending.append(3)
            put(old)
        case .truncate(let options):
            pending.append(4)
            pending.append(options.rawValue)
        }
        let length = UInt32(pending.count - start - 4)
        withUnsafeBytes(of: length.bigEndian) { bytes in
            for index in 0 ..< 4 { pending[start + index] = bytes[index] }
        }
        if pending.count >= 1 << 20 { try flush() }
    }

    /// Calls `body` with each change in the first `end` bytes, in order.
    func forEach(upTo end: Int, _ body: (LogicalChange) throws -> Void) throws {
        try flush()
        var buffer: [UInt8] = []
        var position = 0  // the file offset of buffer[0]
        var start = 0  // the next record's offset in buffer
        // Makes `count` bytes from `start` available, reading up to 1 MiB at a time.
        func ensure(_ count: Int) throws {
            guard buffer.count - start < count else { return }
            buffer.removeFirst(start)
            position += start
            start = 0
            guard position + count <= end else { throw Self.corrupt() }
            try read(into: &buffer, at: position + buffer.count, count: max(count, min(1 << 20, end - position)) - buffer.count)
        }
        while position + start < end {
            try ensure(4)
            let length = Int(buffer.withUnsafeBytes { $0.loadBigEndian(at: start, as: UInt32.self) })
            try ensure(4 + length)
            let change = try buffer.withUnsafeBytes { bytes in
                try decode(UnsafeRawBufferPointer(rebasing: bytes[start + 4 ..< start + 4 + length]))
            }
            start += 4 + length
            try body(change)
        }
    }

    private func flush() throws {
        var done = 0
        while done < pending.count {
            let count = pending.withUnsafeBytes { bytes in
                pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(written + done))
            }
            guard count > 0 else { throw Self.failure("write a temporary file in", directory, errno) }
            done += count
        }
        written += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    private func read(into buffer: inout [UInt8], at position: Int, count: Int) throws {
        let before = buffer.count
        buffer.append(contentsOf: [UInt8](repeating: 0, count: count))
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes { bytes in
                pread(descriptor, bytes.baseAddress! + before + done, count - done, off_t(position + done))
            }
            guard got > 0 else { throw Self.failure("read a temporary file in", directory, got == 0 ? EIO : errno) }
            done += got
        }
    }

    private func number(of relation: LogicalRelation) -> UInt32 {
        if let known = relationNumbers[relation] { return known }
        let number = UInt32(relations.count)
        relations.append(relation)
        relationNumbers[relation] = number
        return number
    }

    private func put<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { pending.append(contentsOf: $0) }
    }

    private func put(_ old: PgOutputMessage.OldImage?) {
        switch old {
        case nil: pending.append(0)
        case .key(let tuple)?: pending.append(1); put(tuple)
        case .full(let tuple)?: pending.append(2); put(tuple)
        }
    }

    private func put(_ tuple: LogicalTuple) {
        put(UInt32(tuple.count))
        for index in 0 ..< tuple.count {
            let kind = tuple.kind(at: index)
            pending.append(kind.rawValue)
            guard kind == .text || kind == .binary else { continue }
            tuple.withBytes(at: index) { bytes in
                put(UInt32(bytes.count))
                pending.append(contentsOf: bytes)
            }
        }
    }

    private func decode(_ bytes: UnsafeRawBufferPointer) throws -> LogicalChange {
        var reader = ByteReader(bytes)
        let xid = try reader.read(UInt32.self, "a spilled change")
        let commitLSN = LSN(try reader.read(UInt64.self, "a spilled change"))
        let walPosition = LSN(try reader.read(UInt64.self, "a spilled change"))
        let index = Int(try reader.read(UInt64.self, "a spilled change"))
        let number = Int(try reader.read(UInt32.self, "a spilled change"))
        guard number < relations.count else { throw Self.corrupt() }
        let operation: LogicalChange.Operation
        switch try reader.read(UInt8.self, "a spilled change") {
        case 1: operation = .insert(new: try tuple(&reader))
        case 2:
            let old = try oldImage(&reader)
            operation = .update(old: old, new: try tuple(&reader))
        case 3:
            guard let old = try oldImage(&reader) else { throw Self.corrupt() }
            operation = .delete(old: old)
        case 4: operation = .truncate(PgOutputMessage.TruncateOptions(rawValue: try reader.read(UInt8.self, "a spilled change")))
        default: throw Self.corrupt()
        }
        return LogicalChange(xid: xid, commitLSN: commitLSN, index: index, walPosition: walPosition,
                             relation: relations[number], operation: operation)
    }

    private func oldImage(_ reader: inout ByteReader) throws -> PgOutputMessage.OldImage? {
        switch try reader.read(UInt8.self, "a spilled row image") {
        case 0: return nil
        case 1: return .key(try tuple(&reader))
        case 2: return .full(try tuple(&reader))
        default: throw Self.corrupt()
        }
    }

    private func tuple(_ reader: inout ByteReader) throws -> LogicalTuple {
        let count = Int(try reader.read(UInt32.self, "a spilled row image"))
        var tuple = LogicalTuple()
        tuple.reserve(columns: count, bytes: 0)
        for _ in 0 ..< count {
            guard let kind = LogicalValue.Kind(rawValue: try reader.read(UInt8.self, "a spilled value")) else { throw Self.corrupt() }
            switch kind {
            case .null, .unchangedToast: tuple.append(kind)
            case .text, .binary: tuple.append(kind, try reader.readBytes(Int(try reader.read(UInt32.self, "a spilled value")), "a spilled value"))
            }
        }
        return tuple
    }

    /// Retried like a lake that is full: capture reads the transaction again.
    private static func failure(_ what: String, _ directory: String, _ code: Int32) -> LakeError {
        LakeError(.io, path: directory, message: "Logical capture could not \(what) \(directory) to hold a large transaction (\(String(cString: strerror(code)))); free space there or point TMPDIR elsewhere.")
    }

    private static func corrupt() -> CaptureError {
        CaptureError(.lakeState, message: "A large transaction's temporary file read back differently than it was written; start capture again (the slot sends the transaction again).")
    }
}
