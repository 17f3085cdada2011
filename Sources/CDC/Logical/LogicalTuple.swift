/// The column values of one row image in a pgoutput change (TupleData), in the
/// order of the relation's columns.
///
/// The values' bytes are kept back to back in one buffer with a small entry per column,
/// not an array per value: a catch-up decodes millions of rows, and an allocation per
/// column was a large part of its CPU.
struct LogicalTuple: Hashable, Sendable {
    /// Every value's bytes, back to back, in column order; past the last value's end,
    /// room reserved for values still to come.
    private var storage: [UInt8] = []
    private var fields: [Field] = []

    private struct Field: Hashable, Sendable {
        var kind: LogicalValue.Kind
        var start: Int
        var count: Int
    }

    init() {}

    init(_ values: [LogicalValue]) {
        reserve(columns: values.count, bytes: values.reduce(0) { total, value in
            switch value {
            case .null, .unchangedToast: total
            case .text(let bytes), .binary(let bytes): total + bytes.count
            }
        })
        for value in values {
            switch value {
            case .null: append(.null)
            case .unchangedToast: append(.unchangedToast)
            case .text(let bytes): bytes.withUnsafeBytes { append(.text, $0) }
            case .binary(let bytes): bytes.withUnsafeBytes { append(.binary, $0) }
            }
        }
    }

    /// Room for `columns` more values of `bytes` bytes in all, before appending them.
    mutating func reserve(columns: Int, bytes: Int) {
        fields.reserveCapacity(fields.count + columns)
        grow(to: byteCount + bytes)
    }

    /// Adds the next column's value (`bytes` only for `.text` and `.binary`).
    mutating func append(_ kind: LogicalValue.Kind, _ bytes: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
        let start = byteCount
        grow(to: start + bytes.count)
        if let source = bytes.baseAddress, !bytes.isEmpty {
            // A copy in place: appending a few bytes at a time through `append(contentsOf:)`
            // cost a catch-up more than the values' decoding.
            storage.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: start).copyMemory(from: source, byteCount: bytes.count) }
        }
        fields.append(Field(kind: kind, start: start, count: bytes.count))
    }

    private mutating func grow(to size: Int) {
        guard storage.count < size else { return }
        if storage.isEmpty {
            storage = Array(repeating: 0, count: size)
        } else {
            storage.append(contentsOf: [UInt8](repeating: 0, count: max(size, 2 * storage.count) - storage.count))
        }
    }

    static func == (left: LogicalTuple, right: LogicalTuple) -> Bool {
        left.fields == right.fields && left.withAllBytes { mine in right.withAllBytes { theirs in
            mine[..<left.byteCount].elementsEqual(theirs[..<right.byteCount])
        } }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        withAllBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[..<byteCount])) }
    }

    /// How many columns the image has.
    var count: Int { fields.count }

    /// How many bytes its values hold together.
    var byteCount: Int { fields.last.map { $0.start + $0.count } ?? 0 }

    func kind(at index: Int) -> LogicalValue.Kind { fields[index].kind }

    /// Calls `body` with the bytes of column `index` (empty for NULL and unchanged values).
    func withBytes<Result>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let field = fields[index]
        return try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[field.start ..< field.start + field.count])) }
    }

    /// Calls `body` with every value's bytes, for reading several columns without a copy;
    /// `range(at:)` says where a column's are.
    func withAllBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes(body)
    }

    /// Where column `index`'s bytes are in what `withAllBytes` passes.
    func range(at index: Int) -> Range<Int> {
        fields[index].start ..< fields[index].start + fields[index].count
    }

    /// Whether column `index` holds the same value as column `otherIndex` of `other`.
    func hasSameValue(at index: Int, as other: LogicalTuple, at otherIndex: Int) -> Bool {
        guard fields[index].kind == other.fields[otherIndex].kind, fields[index].count == other.fields[otherIndex].count else { return false }
        return withBytes(at: index) { mine in other.withBytes(at: otherIndex) { theirs in mine.elementsEqual(theirs) } }
    }

    /// Column `index`'s value as its own value (a copy of its bytes).
    subscript(index: Int) -> LogicalValue {
        switch fields[index].kind {
        case .null: .null
        case .unchangedToast: .unchangedToast
        case .text: .text(withBytes(at: index) { Array($0) })
        case .binary: .binary(withBytes(at: index) { Array($0) })
        }
    }

    /// Every column's value, each a copy (for tests and rare paths).
    var values: [LogicalValue] { fields.indices.map { self[$0] } }
}

/// One column value of a `LogicalTuple`.
enum LogicalValue: Hashable, Sendable {
    /// SQL NULL (`n`).
    case null
    /// A TOASTed value the change did not touch (`u`): the server does not send it,
    /// and the consumer must take it from the row's previous image.
    case unchangedToast
    /// The type's text output, in the client encoding (`t`).
    case text([UInt8])
    /// The type's binary send format (`b`, with the `binary` option, PostgreSQL 14+):
    /// the same bytes a binary COPY carries for the column.
    case binary([UInt8])

    enum Kind: UInt8, Hashable, Sendable {
        case null, unchangedToast, text, binary
    }
}
