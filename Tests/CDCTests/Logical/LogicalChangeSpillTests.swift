@testable import CDC
import Foundation
import Postgres
import Testing

/// A large transaction's changes go through a temporary file unchanged.
@Suite struct LogicalChangeSpillTests {
    static let orders = LogicalRelation(id: 16_385, namespace: "public", name: "orders", replicaIdentity: .full, columns: [
        .init(isKey: true, name: "id", typeOID: 23, typmod: -1), .init(isKey: false, name: "note", typeOID: 25, typmod: -1),
    ])
    static let other = LogicalRelation(id: 16_390, namespace: "", name: "other", replicaIdentity: .default, columns: [
        .init(isKey: true, name: "k", typeOID: 25, typmod: -1),
    ])

    static func change(_ index: Int, _ relation: LogicalRelation, _ operation: LogicalChange.Operation) -> LogicalChange {
        LogicalChange(xid: 4_000_000_000, commitLSN: LSN(0x1_0000_0100), index: index, walPosition: LSN(0x1_0000_0000 + UInt64(index)),
                      relation: relation, operation: operation)
    }

    static let big = LogicalTuple([.binary(Array(repeating: 7, count: 3 << 20)), .text(Array("ü".utf8))])

    /// Every operation, old image and value kind, two relations, and a value larger than
    /// the reader's 1 MiB chunks.
    static let changes: [LogicalChange] = [
        change(0, orders, .insert(new: LogicalTuple([.binary([0, 0, 0, 1]), .text(Array("a".utf8))]))),
        change(1, orders, .update(old: nil, new: LogicalTuple([.binary([0, 0, 0, 1]), .unchangedToast]))),
        change(2, other, .update(old: .key(LogicalTuple([.text(Array("k".utf8))])), new: LogicalTuple([.null]))),
        change(3, orders, .insert(new: big)),
        change(4, orders, .delete(old: .full(LogicalTuple([.binary([0, 0, 0, 1]), .null])))),
        change(5, other, .delete(old: .key(LogicalTuple([.binary([])])))),
        change(6, orders, .truncate([.cascade, .restartIdentity])),
        change(7, other, .insert(new: LogicalTuple([]))),
    ]

    @Test func changesReadBackAsWritten() throws {
        var changes = LogicalChanges()
        for change in Self.changes { try changes.append(change, spillBytes: 1_000) }
        #expect(changes.isSpilled)
        #expect(changes.count == Self.changes.count)
        #expect(try changes.all() == Self.changes)
        #expect(changes.first == Self.changes[0])
        #expect(try changes.contains { $0.index == 6 })
        #expect(try !changes.contains { $0.index == 99 })
    }

    @Test func aCopyKeepsItsOwnChanges() throws {
        var changes = LogicalChanges()
        for change in Self.changes.prefix(4) { try changes.append(change, spillBytes: 1) }
        let copy = changes
        for change in Self.changes.dropFirst(4) { try changes.append(change, spillBytes: 1) }
        #expect(try copy.all() == Array(Self.changes.prefix(4)))
        #expect(try changes.all() == Self.changes)
    }

    @Test func belowTheThresholdNothingIsSpilled() throws {
        var changes = LogicalChanges()
        for change in Self.changes.prefix(3) { try changes.append(change) }
        #expect(!changes.isSpilled)
        #expect(try changes.all() == Array(Self.changes.prefix(3)))
    }

    @Test func aDirectoryThatCannotHoldTheFileIsALakeIOErrorNamingIt() throws {
        var changes = LogicalChanges()
        #expect(throws: (any Error).self) {
            try changes.append(Self.changes[0], spillBytes: 1, directory: "/nonexistent/medallion-spill")
        }
        do {
            try changes.append(Self.changes[0], spillBytes: 1, directory: "/nonexistent/medallion-spill")
        } catch {
            #expect("\(error)".contains("/nonexistent/medallion-spill"), "\(error)")
        }
    }
}
