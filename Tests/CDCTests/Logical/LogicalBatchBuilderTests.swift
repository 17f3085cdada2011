@testable import CDC
import LakeContract
import Parquet
import Postgres
import Testing

/// The bronze rows logical capture writes for committed transactions: the mapping of the
/// bronze contract, checked row by row without a server.
@Suite struct LogicalBatchBuilderTests {
    static let table = TableName(name: "slots")
    static let captured = CapturedTable(table: table, columns: [
        CaptureColumn(name: "id", typeOid: 23, typmod: -1), CaptureColumn(name: "v", typeOid: 25, typmod: -1),
        CaptureColumn(name: "dropped", typeOid: 25, typmod: -1),
    ])
    static let relation = LogicalRelation(id: 16_385, namespace: "public", name: "slots", replicaIdentity: .full, columns: [
        .init(isKey: true, name: "id", typeOID: 23, typmod: -1), .init(isKey: true, name: "v", typeOID: 25, typmod: -1),
    ])

    static func row(_ id: Int32, _ v: String?) -> LogicalTuple {
        LogicalTuple([.binary(withUnsafeBytes(of: id.bigEndian) { Array($0) }), v.map { .binary(Array($0.utf8)) } ?? .null])
    }

    static func transaction(_ xid: UInt32, _ operations: [LogicalChange.Operation], commit: UInt64 = 0x100) -> LogicalTransaction {
        LogicalTransaction(xid: xid, commitLSN: LSN(commit), endLSN: LSN(commit + 0x30), commitTime: 86_400_000_000,
                           changes: operations.enumerated().map { index, operation in
                               LogicalChange(xid: xid, commitLSN: LSN(commit), index: index, walPosition: LSN(commit),
                                             relation: relation, operation: operation)
                           })
    }

    /// `id:v:dropped:_op:_txid:_seq:_changed_at` per bronze row, in order.
    static func rows(_ transactions: [LogicalTransaction], seq: Int64 = 10, reference: UInt64 = 5 << 32 | 1_000) throws -> ([String], TableRead) {
        var bookmark = Bookmark.empty
        bookmark.tables[table.description] = TablePosition(txid: 1, seq: seq)
        var builder = LogicalBatchBuilder(tables: [captured], keys: [table: ["id"]], bookmark: bookmark, options: ParquetWriterOptions())
        for transaction in transactions { try builder.append(transaction, reference: reference) }
        let reads = builder.finish()
        try #require(reads.count == 1)
        let columns = try ParquetReader(bytes: reads[0].partitions[0].writer.close().bytes).readColumns()
        let lines = (0 ..< columns[0].count).map { index in
            columns.prefix(7).map { column -> String in
                switch column[index] {
                case .null: "-"
                case .int(let value): "\(value)"
                case .string(let text): text
                default: "\(column[index])"
                }
            }.joined(separator: ":")
        }
        return (lines, reads[0])
    }

    @Test func insertUpdateDeleteTruncateWithSeqFromTheBookmark() throws {
        let (lines, read) = try Self.rows([
            Self.transaction(900, [.insert(new: Self.row(1, "a")), .update(old: .full(Self.row(1, "a")), new: Self.row(1, "b"))]),
            Self.transaction(901, [.delete(old: .full(Self.row(1, "b"))), .truncate([])], commit: 0x200),
        ])
        let txid = String(5 << 32 | 900 as UInt64)
        let next = String(5 << 32 | 901 as UInt64)
        let expected = ["1:a:-:I:\(txid):11", "1:b:-:U:\(txid):12", "1:b:-:D:\(next):13", "-:-:-:T:\(next):14"]
        #expect(lines.map { $0.split(separator: ":").prefix(6).joined(separator: ":") } == expected)
        #expect(read.last == TablePosition(txid: 5 << 32 | 901, seq: 14))
        #expect(read.rows == 4)
    }

    @Test func keyChangeIsADeleteOfTheOldKeyThenTheNewRow() throws {
        let (lines, _) = try Self.rows([
            Self.transaction(900, [.update(old: .full(Self.row(1, "a")), new: Self.row(2, "a"))]),
        ])
        #expect(lines.map { $0.split(separator: ":").prefix(4).joined(separator: ":") } == ["1:a:-:D", "2:a:-:U"])
    }

    @Test func aSwapOfDeferredKeysDeletesNeitherKey() throws {
        // UPDATE slots SET id = 3 - id over ids 1 and 2: row 1 moves onto key 2 while row 2 still holds it.
        let (lines, _) = try Self.rows([
            Self.transaction(900, [
                .update(old: .full(Self.row(1, "one")), new: Self.row(2, "one")),
                .update(old: .full(Self.row(2, "two")), new: Self.row(1, "two")),
            ]),
        ])
        // Key 1's delete comes first (nothing of this transaction held it yet) and key 1's
        // new row follows it; key 2's old row is not deleted after row 1 took the key.
        #expect(lines.map { $0.split(separator: ":").prefix(4).joined(separator: ":") } == ["1:one:-:D", "2:one:-:U", "1:two:-:U"])
    }

    @Test func aRowMovedTwiceInOneTransactionLeavesOnlyItsLastKey() throws {
        let (lines, _) = try Self.rows([
            Self.transaction(900, [
                .insert(new: Self.row(5, "x")),
                .update(old: .full(Self.row(5, "x")), new: Self.row(6, "x")),
                .update(old: .full(Self.row(6, "x")), new: Self.row(7, "x")),
            ]),
        ])
        #expect(lines.map { $0.split(separator: ":").prefix(4).joined(separator: ":") }
                == ["5:x:-:I", "5:x:-:D", "6:x:-:U", "6:x:-:D", "7:x:-:U"])
    }

    @Test func anUnchangedToastedValueComesFromTheFullOldRow() throws {
        let (lines, _) = try Self.rows([
            Self.transaction(900, [.update(old: .full(Self.row(1, "long")), new: LogicalTuple([Self.row(1, nil).values[0], .unchangedToast]))]),
        ])
        #expect(lines.map { $0.split(separator: ":").prefix(4).joined(separator: ":") } == ["1:long:-:U"])
        #expect(throws: CaptureError.self) {
            _ = try Self.rows([Self.transaction(900, [.update(old: nil, new: LogicalTuple([Self.row(1, nil).values[0], .unchangedToast]))])])
        }
    }

    @Test func aColumnTheCaptureTableLacksAsksForAReload() throws {
        var relation = Self.relation
        relation.columns.append(.init(isKey: false, name: "channel", typeOID: 25, typmod: -1))
        var transaction = Self.transaction(900, [])
        transaction.changes = LogicalChanges([
            LogicalChange(xid: 900, commitLSN: LSN(0x100), index: 0, walPosition: LSN(0x100), relation: relation,
                          operation: .insert(new: LogicalTuple(Self.row(1, "a").values + [.null]))),
        ])
        #expect(throws: LogicalBatchBuilder.ColumnsChanged.self) { _ = try Self.rows([transaction]) }
    }

    /// A captured table renamed since install is known by its oid and written under its old
    /// name; a relation known by neither is reported, and skipped once the caller says it
    /// left capture (another table took its name).
    @Test func aRenamedTableIsKnownByItsOidAndAnUnknownOneIsReportedOrSkipped() throws {
        var renamed = Self.relation
        renamed.name = "slots_old"
        func transaction(_ relation: LogicalRelation) -> LogicalTransaction {
            var transaction = Self.transaction(900, [])
            transaction.changes = LogicalChanges([
                LogicalChange(xid: 900, commitLSN: LSN(0x100), index: 0, walPosition: LSN(0x100), relation: relation,
                              operation: .insert(new: Self.row(1, "a"))),
            ])
            return transaction
        }
        func builder(oid: UInt32?, ignored: Set<UInt32> = []) -> LogicalBatchBuilder {
            var captured = Self.captured
            captured.sourceOid = oid
            return LogicalBatchBuilder(tables: [captured], keys: [Self.table: ["id"]], bookmark: .empty, options: ParquetWriterOptions(),
                                       ignored: ignored)
        }
        var known = builder(oid: Self.relation.id)
        try known.append(transaction(renamed), reference: 5 << 32 | 1_000)
        #expect(known.finish().map(\.table) == [Self.table])

        var unknown = builder(oid: nil)
        #expect(throws: LogicalBatchBuilder.UnknownRelation.self) { try unknown.append(transaction(renamed), reference: 5 << 32 | 1_000) }

        var skipping = builder(oid: nil, ignored: [Self.relation.id])
        try skipping.append(transaction(renamed), reference: 5 << 32 | 1_000)
        #expect(skipping.finish().isEmpty)
        #expect(skipping.rows == 0)
    }

    /// A transaction past `spillBytes` is read back from its temporary file: the same rows,
    /// the deferred-key swap (which looks at the transaction twice) included.
    @Test func aSpilledTransactionBuildsTheSameRows() throws {
        let operations: [LogicalChange.Operation] = [
            .insert(new: Self.row(5, "x")),
            .update(old: .full(Self.row(1, "one")), new: Self.row(2, "one")),
            .update(old: .full(Self.row(2, "two")), new: Self.row(1, "two")),
            .update(old: .full(Self.row(5, "x")), new: LogicalTuple([Self.row(5, nil).values[0], .unchangedToast])),
            .delete(old: .full(Self.row(5, "x"))),
            .truncate([]),
        ]
        let whole = Self.transaction(900, operations)
        var spilled = whole
        spilled.changes = LogicalChanges()
        try whole.changes.forEach { try spilled.changes.append($0, spillBytes: 1) }
        #expect(spilled.changes.isSpilled && !whole.changes.isSpilled)
        #expect(spilled == whole)
        let (inMemory, _) = try Self.rows([whole])
        let (fromFile, _) = try Self.rows([spilled])
        #expect(fromFile == inMemory)
        #expect(inMemory.count == 7, "\(inMemory)")
    }
}
