import Foundation
import Testing
import TestSupport
@testable import CDC
import Parquet
import Postgres

/// The replication connection and the decoder against a real PostgreSQL 15 with
/// `wal_level = logical`: every message kind, commit order, replay and confirmation,
/// unchanged TOASTed values, keepalives.
@Suite("Logical replication", .serialized)
struct LogicalReplicationTests {
    static let ordersSchema = """
        CREATE TABLE orders (id int PRIMARY KEY, note text, amount numeric(10,2), placed timestamptz);
        """

    /// The text of each value (`n` → nil, `u` → "<unchanged>").
    static func texts(_ tuple: LogicalTuple?) -> [String?] {
        (tuple?.values ?? []).map { value in
            switch value {
            case .null: nil
            case .unchangedToast: "<unchanged>"
            case .text(let bytes), .binary(let bytes): String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    static func describe(_ change: LogicalChange) -> String {
        let table = change.relation.name
        switch change.operation {
        case .insert(let new):
            return "\(table) I new=\(row(new))"
        case .update(let old, let new):
            return "\(table) U old\(imageKind(old))=\(row(old?.tuple)) new=\(row(new))"
        case .delete(let old):
            return "\(table) D old\(imageKind(old))=\(row(old.tuple))"
        case .truncate(let options):
            return "\(table) T \(options.rawValue)"
        }
    }

    /// A row image as `1|NULL|x`.
    static func row(_ tuple: LogicalTuple?) -> String {
        texts(tuple).map { $0 ?? "NULL" }.joined(separator: "|")
    }

    static func imageKind(_ old: PgOutputMessage.OldImage?) -> String {
        switch old {
        case .key?: "K"
        case .full?: "O"
        case nil: "-"
        }
    }

    /// The first column of a transaction's first insert.
    static func insertedID(_ transaction: ReceivedTransaction) -> String? {
        guard case .insert(let new)? = transaction.changes.first?.operation else { return nil }
        return texts(new).first ?? nil
    }

    @Test("inserts, updates (a key change too), deletes, a multi-statement transaction and TRUNCATE decode with their values")
    func everyChangeKind() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        try source.sql.execute("BEGIN")
        try source.sql.execute("INSERT INTO orders VALUES (1, 'first', 1.5, '2026-01-02 03:04:05+00')")
        let xid1 = try source.sql.execute("SELECT pg_current_xact_id()::text::bigint % 4294967296").scalar
        try source.sql.execute("COMMIT")
        try source.sql.execute("UPDATE orders SET note = NULL, amount = 2 WHERE id = 1")
        try source.sql.execute("UPDATE orders SET id = 2 WHERE id = 1")
        try source.sql.execute("DELETE FROM orders WHERE id = 2")
        try source.sql.executeScript("""
            BEGIN;
            INSERT INTO orders (id, note) VALUES (3, 'tab\tand ''quote'''), (4, 'é');
            UPDATE orders SET amount = 9.99 WHERE id = 3;
            COMMIT;
            """)
        try source.sql.execute("TRUNCATE orders")

        let stream = try source.stream()
        defer { stream.close() }
        let transactions = try stream.transactions(6)
        #expect(transactions.map { $0.changes.map(Self.describe) } == [
            ["orders I new=1|first|1.50|2026-01-02 03:04:05+00"],
            ["orders U old-= new=1|NULL|2.00|2026-01-02 03:04:05+00"],
            ["orders U oldK=1|NULL|NULL|NULL new=2|NULL|2.00|2026-01-02 03:04:05+00"],
            ["orders D oldK=2|NULL|NULL|NULL"],
            ["orders I new=3|tab\tand 'quote'|NULL|NULL",
             "orders I new=4|é|NULL|NULL",
             "orders U old-= new=3|tab\tand 'quote'|9.99|NULL"],
            ["orders T 0"],
        ])
        let relation = try #require(transactions.first?.changes.first?.relation)
        #expect(relation.namespace == "public")
        #expect(relation.replicaIdentity == .default)
        #expect(relation.columns.map(\.name) == ["id", "note", "amount", "placed"])
        #expect(relation.columns.map(\.isKey) == [true, false, false, false])
        #expect(relation.columns.map(\.typeOID) == [23, 25, 1700, 1184])
        #expect(relation.columns[2].typmod == (10 << 16 | 2) + 4)
        // Begin's xid is the 32-bit transaction id; commit LSNs rise in stream order.
        #expect(transactions.first.map { String($0.begin.xid) } == xid1)
        let commits = transactions.map(\.commit.commitLSN)
        #expect(commits == commits.sorted() && Set(commits).count == commits.count)
        for transaction in transactions {
            #expect(transaction.begin.finalLSN == transaction.commit.commitLSN)
            #expect(transaction.commit.endLSN > transaction.commit.commitLSN)
            #expect(transaction.changes.map(\.index) == Array(0 ..< transaction.changes.count))
        }
    }

    @Test("with binary 'true' values arrive in their send format, the bytes COPY BINARY carries")
    func binaryValues() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        try source.sql.execute("INSERT INTO orders VALUES (7, 'seven', 12.34, '2000-01-01 00:00:01+00')")
        let stream = try source.stream(binary: true)
        defer { stream.close() }
        let change = try #require(try stream.transactions(1).first?.changes.first)
        guard case .insert(let new) = change.operation else { Issue.record("not an insert"); return }
        #expect(new.values[0] == .binary([0, 0, 0, 7]))
        #expect(new.values[1] == .binary(Array("seven".utf8)))
        #expect(new.values[3] == .binary(withUnsafeBytes(of: Int64(1_000_000).bigEndian, Array.init)))
        // numeric_send: 2 digits, weight 0, sign +, dscale 2, base-10000 digits 12 and 3400.
        #expect(new.values[2] == .binary([0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0D, 0x48]))
        // So the COPY BINARY decoders read them as they are.
        let values = try zip(new.values, change.relation.columns).map { value, column in
            guard case .binary(let bytes) = value else { return ParquetValue.null }
            return try BronzeRowDecoder.value(bytes, typeOID: column.typeOID, typmod: column.typmod)
        }
        #expect(values == [.int(7), .string("seven"), .decimal(1234), .int(946_684_801_000_000)])
    }

    @Test("crossing transactions arrive whole, in commit order")
    func crossingTransactions() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        let other = try PostgresConnection(dsn: source.cluster.dsn(database: source.database))
        defer { other.close() }
        try source.sql.execute("BEGIN")
        try source.sql.execute("INSERT INTO orders (id) VALUES (10)")   // takes the older xid
        try other.execute("BEGIN")
        try other.execute("INSERT INTO orders (id) VALUES (20)")
        try other.execute("COMMIT")                                     // commits first
        try source.sql.execute("INSERT INTO orders (id) VALUES (11)")
        try source.sql.execute("COMMIT")

        let stream = try source.stream()
        defer { stream.close() }
        let transactions = try stream.transactions(2)
        #expect(transactions.map { $0.changes.map(Self.describe) } == [
            ["orders I new=20|NULL|NULL|NULL"],
            ["orders I new=10|NULL|NULL|NULL", "orders I new=11|NULL|NULL|NULL"],
        ])
        #expect(transactions[0].begin.xid > transactions[1].begin.xid, "the later-started transaction committed first")
    }

    @Test("unconfirmed transactions come again after reconnecting; confirming a commit's end LSN stops that")
    func replayAndConfirm() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        for id in 1 ... 3 { try source.sql.execute("INSERT INTO orders (id) VALUES ($1)", [String(id)]) }
        let ids: ([ReceivedTransaction]) -> [String?] = { $0.map(Self.insertedID) }

        var stream = try source.stream()
        let first = try stream.transactions(3)
        #expect(ids(first) == ["1", "2", "3"])
        stream.close()

        stream = try source.stream()
        let again = try stream.transactions(3)
        #expect(again.map(\.commit) == first.map(\.commit), "nothing confirmed: the same transactions again")
        // The commit LSN itself is not enough: the server resends a commit whose record
        // starts at the confirmed position.
        try stream.confirm(first[0].commit.commitLSN)
        try Poll.until("the slot to confirm the commit LSN") { try source.confirmedFlush() == first[0].commit.commitLSN }
        stream.close()
        stream = try source.stream()
        #expect(ids(try stream.transactions(3)) == ["1", "2", "3"])
        try stream.confirm(first[0].commit.endLSN)
        try Poll.until("the slot to confirm the end LSN") { try source.confirmedFlush() == first[0].commit.endLSN }
        stream.close()

        stream = try source.stream()
        defer { stream.close() }
        try source.sql.execute("INSERT INTO orders (id) VALUES (4)")
        #expect(ids(try stream.transactions(3)) == ["2", "3", "4"])
    }

    @Test("keepalives with a reply request never move the confirmed position")
    func keepalivesDoNotConfirm() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        try source.sql.execute("INSERT INTO orders (id) VALUES (1)")
        let before = try source.confirmedFlush()
        let stream = try source.stream(options: "-c wal_sender_timeout=1000")
        defer { stream.close() }
        _ = try stream.transactions(1)
        try stream.read(timeout: 30, what: "three answered reply requests") { _ in stream.repliesSent >= 3 }
        #expect(stream.machine.confirmed == .zero)
        #expect(try source.confirmedFlush() == before)
    }

    @Test("a reply request is answered within wal_sender_timeout; unanswered, the server drops the stream")
    func keepaliveReplies() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        let stream = try source.stream(options: "-c wal_sender_timeout=1000")
        try stream.read(timeout: 30, what: "three answered reply requests") { _ in stream.repliesSent >= 3 }
        // Still streaming after several timeouts' worth of idle time.
        try source.sql.execute("INSERT INTO orders (id) VALUES (5)")
        #expect(try stream.transactions(1).count == 1)
        stream.close()

        let silent = try source.stream(options: "-c wal_sender_timeout=1000")
        defer { silent.close() }
        silent.answersKeepalives = false
        let error = #expect(throws: PostgresError.self) {
            _ = try silent.read(timeout: 60, what: "the server to drop a silent client") { _ in false }
        }
        #expect(error?.code == .connection)
    }

    @Test("an unchanged TOASTed value arrives as 'u'; REPLICA IDENTITY FULL's old image carries it")
    func unchangedToast() throws {
        let source = try LogicalTestSource(schema: "CREATE TABLE docs (id int PRIMARY KEY, body text, n int);", tables: ["docs"])
        defer { source.drop() }
        // md5 text compresses poorly, so 128 kB stays out of line.
        try source.sql.execute("INSERT INTO docs SELECT 1, string_agg(md5(i::text), ''), 0 FROM generate_series(1, 4000) i")
        let body = try #require(try source.sql.execute("SELECT body FROM docs").scalar)
        try source.sql.execute("UPDATE docs SET n = 1")
        try source.sql.execute("ALTER TABLE docs REPLICA IDENTITY FULL")
        try source.sql.execute("UPDATE docs SET n = 2")
        try source.sql.execute("DELETE FROM docs")

        let stream = try source.stream()
        defer { stream.close() }
        let changes = try stream.transactions(4).flatMap(\.changes)
        #expect(Array(changes.map(Self.describe).dropFirst()) == [
            "docs U old-= new=1|<unchanged>|1",
            "docs U oldO=1|\(body)|1 new=1|<unchanged>|2",
            "docs D oldO=1|\(body)|2",
        ])
        #expect(changes[2].relation.replicaIdentity == .full)
    }

    @Test("wakeUp ends a wait for the stream, before any buffered message, from another thread too")
    func wakeUp() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        try source.sql.execute("INSERT INTO orders (id) VALUES (1)")
        let stream = try source.stream()
        defer { stream.close() }
        _ = try stream.transactions(1)
        try source.sql.execute("INSERT INTO orders (id) VALUES (2)")
        stream.connection.wakeUp()
        let first = try stream.connection.receive(timeout: 600) { _ in () }
        guard case .wokenUp = first else { Issue.record("expected a wake-up, got \(first)"); return }

        let pipe = stream.connection.wakeUpPipe
        let waker = Thread { pipe.wakeUp() }
        waker.start()
        var messages = 0
        while true {
            let received = try stream.connection.receive(timeout: 600) { _ in () }
            if case .wokenUp = received { break }
            messages += 1
        }
        #expect(messages < 100)
    }

    @Test("replication commands: IDENTIFY_SYSTEM, a slot with an exported snapshot, DROP; bad slot names refused")
    func commands() throws {
        let source = try LogicalTestSource(schema: Self.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        let connection = try ReplicationConnection(dsn: source.cluster.dsn(database: source.database))
        defer { connection.close() }
        let identity = try connection.identifySystem()
        #expect(identity.database == source.database)
        #expect(identity.timeline == 1)
        #expect(try source.sql.execute("SELECT system_identifier::text FROM pg_control_system()").scalar == identity.systemID)
        let slot = try connection.createSlot("extra_" + source.slot, exportSnapshot: true)
        #expect(slot.snapshotName != nil)
        #expect(slot.consistentPoint >= identity.walPosition)
        try connection.dropSlot(slot.name)
        #expect(try source.sql.execute("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", [slot.name]).scalar == "0")
        for name in ["", "Upper", "semi;colon", String(repeating: "a", count: 64)] {
            #expect(throws: PostgresError.self) { try connection.dropSlot(name) }
        }
    }
}
