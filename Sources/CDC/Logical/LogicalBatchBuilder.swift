import Parquet
import Postgres
import LakeContract

/// Turns committed transactions of the slot into bronze rows with trigger capture's
/// contract, through the same decoder and Parquet path as the capture tables' COPY:
/// each change becomes the binary COPY tuple a capture table would hold for it.
///
/// The mapping: `_op` is `I` for an insert, `U` for an update, `D` for a delete (the old
/// row image), and an update that changes the primary key is a `D` of the old key's row
/// then the `U` of the new one; a TRUNCATE is a `T` marker (no values) per table.
/// `_txid` is the transaction's id widened to `xid8`, `_changed_at` its commit time, and
/// `_seq` counts per table from the bookmark's, in commit order then change order (the
/// order pgoutput sends), so it orders one key's changes as in trigger mode. An unchanged
/// TOASTed value is taken from the full old row (`REPLICA IDENTITY FULL`). A value its
/// bronze column cannot hold goes to `_overflow` with the text `OverflowText` gives it
/// (the tuple carries that text for the columns in the table's `textFallback`).
///
/// Rows DDL captures again (`cdc.install_table` after a rename, a retype or a column added
/// with a default) arrive as inserts of `_op = 'S'` into the table's capture table,
/// through the restate publication, in the DDL's transaction: each is an `R` of the table,
/// ordered like any other change. Rows a TRUNCATE of one partition removed arrive so as
/// `_op = 'E'`, each a `D`.
struct LogicalBatchBuilder {
    /// A relation's columns do not match the capture table's (DDL since they were loaded):
    /// reload the columns and read the transactions again.
    struct ColumnsChanged: Error {
        var table: TableName
    }

    /// The slot sent a change of a table captured neither under its name nor its oid: a
    /// table published but not captured, or one that left capture after this change (another
    /// table took its name since). The caller tells them apart (`ignored`).
    struct UnknownRelation: Error {
        var id: UInt32
        var table: TableName
    }

    /// A value of `column` does not fit its bronze type: build again with the column in
    /// the table's `textFallback`, so such values go to `_overflow` with their text.
    struct NeedsText: Error {
        var table: TableName
        var column: String
    }

    private struct Mapping {
        var table: TableName
        /// The table's place in `captured`, `builders` and `positions`.
        var slot: Int
        /// Per capture column, the relation column holding it (nil: NULL, a dropped column).
        var fields: [Int?]
        /// The relation columns of the primary key.
        var key: [Int]
        /// For the table's capture table (rows captured again): the relation column of `_op`.
        var restateOp: Int?
        /// Per capture column, how its binary value becomes what bronze keeps; empty when
        /// every column is copied as it is.
        var texts: [Printing]
    }

    /// A column of a type bronze keeps as text: printed by `LogicalText`, or refused (a
    /// column retyped since install to a type it cannot print).
    private enum Printing {
        case asIs
        case text(LogicalText)
        case refused
    }

    /// Each table's slot: the per-row state below is kept in arrays by slot, so a row
    /// hashes no table name.
    private let slots: [TableName: Int]
    /// Each table by the name of its capture table (in schema `cdc`).
    private let byCaptureTable: [String: TableName]
    /// Each table by its oid: a captured table renamed since install is still captured,
    /// under its old name (as trigger capture does).
    private let byOid: [UInt32: TableName]
    /// Relations whose changes are skipped: tables that were captured when they changed but
    /// are not any more (see `UnknownRelation`).
    private let ignored: Set<UInt32>
    private let keys: [TableName: [String]]
    private let options: ParquetWriterOptions
    private let captured: [CapturedTable]
    private let fieldCounts: [Int]
    /// Per slot, the columns in the table's `textFallback`, in column order (their text
    /// follows the capture columns in a COPY tuple).
    private let overflowColumns: [[Int]]
    private var builders: [TableReadBuilder?]
    private var positions: [TablePosition]
    private let start: [TablePosition]
    /// The slots that got rows, in the order they first did.
    private var order: [Int] = []
    /// By relation id (a lookup per change: hashing the whole relation cost more), with the
    /// relation it was made for, so a Relation message that changed the table is noticed.
    private var mappings: [UInt32: (relation: LogicalRelation, mapping: Mapping)] = [:]
    private var tuple: [UInt8] = []
    private(set) var rows = 0
    /// The highest `_txid` written.
    private(set) var newestTxid: UInt64 = 0

    init(tables: [CapturedTable], keys: [TableName: [String]], bookmark: Bookmark, options: ParquetWriterOptions,
         ignored: Set<UInt32> = []) {
        slots = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1.table, $0) })
        byCaptureTable = Dictionary(tables.map { ($0.table.captureTable, $0.table) }, uniquingKeysWith: { first, _ in first })
        byOid = Dictionary(tables.compactMap { table in table.sourceOid.map { ($0, table.table) } }, uniquingKeysWith: { first, _ in first })
        self.ignored = ignored
        self.keys = keys
        self.options = options
        captured = tables
        fieldCounts = tables.map(\.fieldCount)
        overflowColumns = tables.map { table in table.columns.indices.filter { table.textFallback.contains(table.columns[$0].name) } }
        builders = Array(repeating: nil, count: tables.count)
        positions = tables.map { bookmark.position($0.table) }
        start = positions
    }

    /// Adds the rows of `transaction`; `reference` is a full transaction id read from the
    /// server after the transaction started (see `FullTransactionID`).
    mutating func append(_ transaction: LogicalTransaction, reference: UInt64) throws {
        let txid = FullTransactionID.widen(transaction.xid, reference: reference)
        newestTxid = max(newestTxid, txid)
        // Per table and key, the row image this transaction last wrote. Only an update that
        // changes a key looks it up, and most transactions have none: hashing every row's
        // key for nothing was a sixth of a catch-up's CPU. An update with TOASTed values
        // left out counts as one (its key is only known once filled in).
        let changesKeys = try transaction.changes.contains { change in
            guard case .update(let old?, let new) = change.operation else { return false }
            if new.hasUnchangedColumns { return true }
            guard let mapping = try mapping(change.relation) else { return false }
            return mapping.key.contains { !old.tuple.hasSameValue(at: $0, as: new, at: $0) }
        }
        var written: [TableName: [[LogicalValue]: LogicalTuple]] = [:]
        try transaction.changes.forEach { change in
            guard let mapping = try mapping(change.relation) else { return }
            if let op = mapping.restateOp {
                // Only inserts of 'S' and 'E' are published; anything else of a capture table is not a change.
                guard case .insert(let new) = change.operation else { return }
                switch new[op] {
                case Self.restated: try emit(UInt8(ascii: "R"), new, mapping, txid: txid, time: transaction.commitTime)
                case Self.truncatedInPartition: try emit(UInt8(ascii: "D"), new, mapping, txid: txid, time: transaction.commitTime)
                default: return
                }
                if changesKeys { written[mapping.table, default: [:]][mapping.key.map { new[$0] }] = new }
                return
            }
            switch change.operation {
            case .insert(let new):
                try emit(UInt8(ascii: "I"), new, mapping, txid: txid, time: transaction.commitTime)
                if changesKeys { written[mapping.table, default: [:]][mapping.key.map { new[$0] }] = new }
            case .update(let old, let new):
                var row = new
                if new.hasUnchangedColumns {
                    guard case .full(let full)? = old, let filled = new.fillingUnchanged(from: full) else {
                        throw CaptureError(.schema, message: "An update of \(mapping.table) left a TOASTed value out and no full old row came with it; run `ALTER TABLE \(mapping.table.quoted) REPLICA IDENTITY FULL` (`medallion install --capture logical` sets it).")
                    }
                    row = filled
                }
                if let old, mapping.key.contains(where: { !old.tuple.hasSameValue(at: $0, as: row, at: $0) }) {
                    // With deferred keys one statement can move a row onto a key another row
                    // still holds (a swap or shift): that key is not gone, as the trigger's
                    // statement-level capture records it. Such a delete's old image is not the
                    // image this transaction last wrote for the key.
                    let oldKey = mapping.key.map { old.tuple[$0] }
                    let taken: Bool = if case .full(let full) = old, let last = written[mapping.table]?[oldKey] { last != full } else { false }
                    if !taken {
                        try emit(UInt8(ascii: "D"), old.tuple, mapping, txid: txid, time: transaction.commitTime)
                        written[mapping.table]?[oldKey] = nil
                    }
                }
                try emit(UInt8(ascii: "U"), row, mapping, txid: txid, time: transaction.commitTime)
                if changesKeys { written[mapping.table, default: [:]][mapping.key.map { row[$0] }] = row }
            case .delete(let old):
                try emit(UInt8(ascii: "D"), old.tuple, mapping, txid: txid, time: transaction.commitTime)
            case .truncate:
                try emit(UInt8(ascii: "T"), nil, mapping, txid: txid, time: transaction.commitTime)
            }
        }
    }

    /// The reads of the tables that got rows, in the order they first did.
    func finish() -> [TableRead] {
        order.compactMap { builders[$0]?.finish() }
    }

    /// The relation's mapping, or nil for a relation in `ignored`.
    private mutating func mapping(_ relation: LogicalRelation) throws -> Mapping? {
        if let known = mappings[relation.id], known.relation == relation { return known.mapping }
        if ignored.contains(relation.id) { return nil }
        var table = TableName(schema: relation.namespace.isEmpty ? "pg_catalog" : relation.namespace, name: relation.name)
        let names = relation.columns.map(\.name)
        var restateOp: Int?
        if table.schema == "cdc", let source = byCaptureTable[table.name], let op = names.firstIndex(of: "_op") {
            table = source
            restateOp = op
        }
        if slots[table] == nil, restateOp == nil, let renamed = byOid[relation.id] { table = renamed }
        guard let slot = slots[table] else { throw UnknownRelation(id: relation.id, table: table) }
        let captured = self.captured[slot]
        let captureNames = Set(captured.columns.map(\.name))
        // A source column named like a capture column cannot be captured (install refuses
        // it; the event trigger only warns): as in trigger capture, changes go on without it,
        // and verify and status name it until it is renamed.
        let sourceNames = names.filter { !CaptureMetadataColumn.reserved.contains($0) || captureNames.contains($0) }
        guard sourceNames.allSatisfy(captureNames.contains) else { throw ColumnsChanged(table: table) }
        let key = (keys[table] ?? []).compactMap { names.firstIndex(of: $0) }
        let texts = captured.columns.map { column -> Printing in
            guard column.postgresType.isUnsupported else { return .asIs }
            return LogicalText(column).map(Printing.text) ?? .refused
        }
        let mapping = Mapping(table: table, slot: slot, fields: captured.columns.map { names.firstIndex(of: $0.name) }, key: key, restateOp: restateOp,
                              texts: texts.contains { if case .asIs = $0 { false } else { true } } ? texts : [])
        mappings[relation.id] = (relation, mapping)
        return mapping
    }

    private mutating func emit(_ op: UInt8, _ image: LogicalTuple?, _ mapping: Mapping, txid: UInt64, time: Int64) throws {
        let slot = mapping.slot
        let position = TablePosition(txid: txid, seq: positions[slot].seq + 1)
        positions[slot] = position
        // The tuple's size, known before it is written: every field has a 4-byte length;
        // `_op` holds a byte, `_txid`, `_seq` and `_changed_at` 8 each. Text printed for
        // columns bronze keeps as text and for `_overflow` is made here.
        var size = 4 * fieldCounts[slot] + 1 + 3 * 8
        var printed: [Int: [UInt8]] = [:]
        if let image {
            for (index, field) in mapping.fields.enumerated() {
                guard let field else { continue }
                switch image.kind(at: field) {
                case .null:
                    break
                case .binary:
                    switch mapping.texts.isEmpty ? .asIs : mapping.texts[index] {
                    case .asIs:
                        size += image.range(at: field).count
                    case .text(let form):
                        guard let text = image.withBytes(at: field, { form.text(Array($0)) }) else {
                            throw CaptureError(.schema, message: "The slot sent a value of column \(captured[slot].columns[index].name) of \(mapping.table) that is not in its type's binary form; use trigger capture for this table.")
                        }
                        printed[index] = text
                        size += text.count
                    case .refused:
                        throw CaptureError(.schema, message: "Column \(captured[slot].columns[index].name) of \(mapping.table) has a type bronze keeps as text and logical capture cannot print (it does \(LogicalText.supportedTypes)); change the column's type back, or use trigger capture for this table (uninstall, install --capture trigger, re-baseline).")
                    }
                case .text, .unchangedToast:
                    throw CaptureError(.schema, message: "The slot sent column \(captured[slot].columns[index].name) of \(mapping.table) without its value in binary form; logical capture needs PostgreSQL 14 or later and REPLICA IDENTITY FULL.")
                }
            }
        }
        var overflow: [[UInt8]?] = []
        for index in overflowColumns[slot] {
            let column = captured[slot].columns[index]
            guard let image, let field = mapping.fields[index], image.kind(at: field) == .binary else {
                overflow.append(nil)
                continue
            }
            guard let text = image.withBytes(at: field, { OverflowText.text(Array($0), type: column.postgresType) }) else {
                throw CaptureError(.schema, message: "A value of column \(column.name) of \(mapping.table) has no text form logical capture can give it for _overflow; use trigger capture for this table.")
            }
            let bytes = Array(text.utf8)
            overflow.append(bytes)
            size += bytes.count
        }
        if tuple.count < size { tuple.append(contentsOf: [UInt8](repeating: 0, count: size - tuple.count)) }
        // Written in place: appending a few bytes at a time cost more than decoding them.
        tuple.withUnsafeMutableBytes { out in
            var writer = TupleWriter(out: out)
            for (index, field) in mapping.fields.enumerated() {
                guard let field, let image, image.kind(at: field) == .binary else {
                    writer.put(Int32(-1))
                    continue
                }
                if !printed.isEmpty, let text = printed[index] {
                    text.withUnsafeBytes { writer.putValue($0) }
                } else {
                    image.withBytes(at: field) { writer.putValue($0) }
                }
            }
            writer.put(Int32(1))
            writer.put(op)
            writer.put(Int32(8))
            writer.put(txid)
            writer.put(Int32(8))
            writer.put(UInt64(bitPattern: position.seq))
            writer.put(Int32(8))
            writer.put(UInt64(bitPattern: time))
            for text in overflow {
                if let text { text.withUnsafeBytes { writer.putValue($0) } } else { writer.put(Int32(-1)) }
            }
            assert(writer.at == size)
        }
        if builders[slot] == nil {
            builders[slot] = TableReadBuilder(captured: captured[slot], after: start[slot], options: options)
            order.append(slot)
        }
        let fieldCount = fieldCounts[slot]
        do {
            try tuple.withUnsafeBytes { bytes in
                try builders[slot]!.append(CopyBinaryTuple(fieldCount: fieldCount, bytes: UnsafeRawBufferPointer(rebasing: bytes[..<size])))
            }
        } catch let error as OverflowNeedsText {
            let column = captured[slot].columns[error.column]
            guard OverflowText.supports(column.postgresType), !captured[slot].textFallback.contains(column.name) else {
                throw CaptureError(.schema, message: "A value of column \(column.name) of \(mapping.table) does not fit its bronze type (\(error.reason)); logical capture cannot keep it in _overflow: use trigger capture for this table.")
            }
            throw NeedsText(table: mapping.table, column: column.name)
        }
        rows += 1
    }

    /// Writes a COPY tuple's fields into a buffer sized for them.
    private struct TupleWriter {
        let out: UnsafeMutableRawBufferPointer
        var at = 0

        mutating func put<T: FixedWidthInteger>(_ value: T) {
            out.storeBytes(of: value.bigEndian, toByteOffset: at, as: T.self)
            at += MemoryLayout<T>.size
        }

        /// A value with its length.
        mutating func putValue(_ bytes: UnsafeRawBufferPointer) {
            put(Int32(bytes.count))
            if let source = bytes.baseAddress, !bytes.isEmpty {
                (out.baseAddress! + at).copyMemory(from: source, byteCount: bytes.count)
            }
            at += bytes.count
        }
    }

    /// `_op` of a row captured again, as pgoutput sends a text value in binary form.
    private static let restated = LogicalValue.binary(Array("S".utf8))
    /// `_op` of a row a TRUNCATE of one partition removed.
    private static let truncatedInPartition = LogicalValue.binary(Array("E".utf8))
}
