/// Incremental parser of PostgreSQL's binary COPY format
/// (`COPY ... TO STDOUT (FORMAT binary)`).
///
/// Stream: signature `PGCOPY\n\377\r\n\0`, int32 flags, int32 header-extension
/// length + extension, then tuples (int16 field count, per field int32 length,
/// -1 = NULL, and the bytes), ended by the int16 trailer -1.
///
/// `feed` accepts chunks cut anywhere. A tuple lying wholly inside a chunk is
/// handed out without copying; only a tuple split across chunks is assembled in
/// an internal buffer. libpq's `PQgetCopyData` delivers one CopyData message per
/// call, so in practice every tuple is zero-copy.
struct CopyBinaryParser {
    static let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]

    private enum State { case header, tuples, done }

    /// Units of the stream that `scan` recognises at the front of a buffer.
    private enum Unit {
        case header(length: Int)
        case tuple(length: Int, fieldCount: Int)
        case trailer
        /// At least this many more bytes are needed to decide.
        case needMore(Int)
    }

    /// When set, every tuple must have exactly this many fields.
    let expectedFieldCount: Int?
    private var state = State.header
    /// Bytes of a unit split across chunks.
    private var pending: [UInt8] = []
    private(set) var tupleCount = 0

    init(expectedFieldCount: Int? = nil) {
        self.expectedFieldCount = expectedFieldCount
    }

    /// `true` once the trailer has been read.
    var isFinished: Bool { state == .done }

    /// Parses `chunk`, calling `onTuple` for every complete tuple; an incomplete
    /// tail is kept for the next call.
    mutating func feed(
        _ chunk: UnsafeRawBufferPointer,
        onTuple: (borrowing CopyBinaryTuple) throws -> Void
    ) throws {
        var rest = chunk
        if !pending.isEmpty {
            // Top up the split unit with just the bytes it still needs.
            while true {
                let unit = try pending.withUnsafeBytes { buffer throws(CopyBinaryError) in try scan(buffer) }
                if case .needMore(let count) = unit {
                    guard !rest.isEmpty else { return }
                    let take = min(count, rest.count)
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
                    rest = UnsafeRawBufferPointer(rebasing: rest[take...])
                    continue
                }
                try pending.withUnsafeBytes { buffer in try emit(unit, buffer, onTuple) }
                advance(past: unit)
                pending.removeAll(keepingCapacity: true)
                break
            }
        }
        while !rest.isEmpty {
            let unit = try scan(rest)
            let length: Int
            switch unit {
            case .needMore:
                pending.append(contentsOf: rest)
                return
            case .header(let count), .tuple(let count, _): length = count
            case .trailer: length = 2
            }
            try emit(unit, UnsafeRawBufferPointer(rebasing: rest[..<length]), onTuple)
            advance(past: unit)
            rest = UnsafeRawBufferPointer(rebasing: rest[length...])
        }
    }

    /// Checks that the stream ended with its trailer.
    func finish() throws(CopyBinaryError) {
        switch state {
        case .done:
            return
        case .header:
            throw CopyBinaryError(.truncated, "the stream ended before its header was complete (\(pending.count) bytes received)")
        case .tuples:
            let detail = pending.isEmpty ? "" : " \(pending.count) bytes into an incomplete tuple"
            throw CopyBinaryError(.truncated, "the stream ended\(detail) without the end-of-data trailer after \(tupleCount) tuples; the COPY was interrupted")
        }
    }

    private func emit(
        _ unit: Unit,
        _ bytes: UnsafeRawBufferPointer,
        _ onTuple: (borrowing CopyBinaryTuple) throws -> Void
    ) throws {
        guard case .tuple(let length, let fieldCount) = unit else { return }
        try onTuple(CopyBinaryTuple(fieldCount: fieldCount, bytes: UnsafeRawBufferPointer(rebasing: bytes[2 ..< length])))
    }

    private mutating func advance(past unit: Unit) {
        switch unit {
        case .header: state = .tuples
        case .tuple: tupleCount += 1
        case .trailer: state = .done
        case .needMore: break
        }
    }

    /// Recognises the unit at the front of `buffer` without consuming it.
    private func scan(_ buffer: UnsafeRawBufferPointer) throws(CopyBinaryError) -> Unit {
        switch state {
        case .header: try scanHeader(buffer)
        case .tuples: try scanTuple(buffer)
        case .done:
            throw CopyBinaryError(.trailingData, "\(buffer.count) bytes arrived after the end-of-data trailer")
        }
    }

    private func scanHeader(_ buffer: UnsafeRawBufferPointer) throws(CopyBinaryError) -> Unit {
        let signature = Self.signature
        // Check what we have of the signature early, so text-format data fails fast.
        for index in 0 ..< min(buffer.count, signature.count) where buffer[index] != signature[index] {
            throw CopyBinaryError(.badSignature, "the stream does not start with the binary COPY signature PGCOPY\\n\\377\\r\\n\\0; was the COPY run with (FORMAT binary)?")
        }
        let fixed = signature.count + 8
        guard buffer.count >= fixed else { return .needMore(fixed - buffer.count) }
        let flags = buffer.loadBigEndian(at: signature.count, as: UInt32.self)
        if flags & (1 << 16) != 0 {
            throw CopyBinaryError(.unsupportedHeader, "the stream includes row OIDs (header flag bit 16), which this decoder does not expect")
        }
        if flags & 0xffff != 0 {
            throw CopyBinaryError(.unsupportedHeader, "the header has unknown critical flags 0x\(String(flags & 0xffff, radix: 16)); the server's COPY format is newer than this decoder")
        }
        let extensionLength = Int(buffer.loadBigEndian(at: signature.count + 4, as: Int32.self))
        guard extensionLength >= 0 else {
            throw CopyBinaryError(.unsupportedHeader, "negative header extension length \(extensionLength)")
        }
        let length = fixed + extensionLength
        return buffer.count >= length ? .header(length: length) : .needMore(length - buffer.count)
    }

    private func scanTuple(_ buffer: UnsafeRawBufferPointer) throws(CopyBinaryError) -> Unit {
        guard buffer.count >= 2 else { return .needMore(2 - buffer.count) }
        let fieldCount = Int(buffer.loadBigEndian(at: 0, as: Int16.self))
        if fieldCount == -1 { return .trailer }
        guard fieldCount >= 0 else {
            throw CopyBinaryError(.invalidField, "invalid tuple field count \(fieldCount) after \(tupleCount) tuples; the stream is corrupt")
        }
        if let expectedFieldCount, fieldCount != expectedFieldCount {
            throw CopyBinaryError(.fieldCount, "tuple \(tupleCount + 1) has \(fieldCount) fields but \(expectedFieldCount) columns were selected; the SELECT list and the decoder's columns disagree")
        }
        var offset = 2
        for field in 0 ..< fieldCount {
            guard buffer.count >= offset + 4 else { return .needMore(offset + 4 - buffer.count) }
            let length = Int(buffer.loadBigEndian(at: offset, as: Int32.self))
            offset += 4
            if length == -1 { continue }
            guard length >= 0 else {
                throw CopyBinaryError(.invalidField, "field \(field + 1) of tuple \(tupleCount + 1) has invalid length \(length); the stream is corrupt")
            }
            offset += length
            guard buffer.count >= offset else { return .needMore(offset - buffer.count) }
        }
        return .tuple(length: offset, fieldCount: fieldCount)
    }
}
