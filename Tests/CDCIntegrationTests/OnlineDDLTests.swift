import Foundation
import Testing
import TestSupport
@testable import CDC
import Postgres

/// DDL on a captured table while the application writes and the daemon streams: no
/// application write fails, every value written after the DDL reaches bronze, and the
/// running daemon carries the new columns without a restart.
@Suite("Online DDL", .serialized)
struct OnlineDDLTests {
    /// Inserts orders one per transaction on a thread of its own until stopped; counts
    /// the writes that failed.
    final class Writer: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private var written = 0
        private var failures: [String] = []
        private let finished = DispatchSemaphore(value: 0)

        init(_ database: RetailDatabase) throws {
            let dsn = database.dsn
            Thread { [self] in
                guard let connection = try? PostgresConnection(dsn: dsn) else {
                    lock.withLock { failures.append("cannot connect") }
                    finished.signal()
                    return
                }
                var index = 0
                while !isStopped {
                    index += 1
                    do {
                        try connection.execute("INSERT INTO orders (branch, amount, status) VALUES ($1, 1.5, 'NEW')", ["writer-\(index % 3)"])
                        lock.withLock { written += 1 }
                    } catch {
                        lock.withLock { failures.append("\(error)") }
                    }
                }
                connection.close()
                finished.signal()
            }.start()
        }

        var isStopped: Bool { lock.withLock { stopped } }
        var count: Int { lock.withLock { written } }

        /// Waits until `more` further rows are written, so each DDL lands mid-stream.
        func awaitWrites(_ more: Int) throws {
            let target = count + more
            _ = try Poll.until("\(more) more writes", timeout: 30, interval: 0.01) { self.count >= target ? true : nil }
        }

        func stop() -> (written: Int, failures: [String]) {
            lock.withLock { stopped = true }
            finished.wait()
            return lock.withLock { (written, failures) }
        }
    }

    /// Runs `load` on a new database with a daemon streaming it and a `Writer` inserting
    /// orders; then stops the writer, expects none of its writes to have failed, and runs
    /// `check` with how many it wrote, the daemon still running.
    private func underLoad(_ mode: CaptureMode, _ load: (RetailDatabase, Writer) throws -> Void,
                           check: (RetailDatabase, Int) throws -> Void) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.sql("ALTER TABLE orders ALTER COLUMN customer SET DEFAULT 'walk-in'")
        try withDaemon(database) { _ in
            let writer = try Writer(database)
            var stopped = false
            defer { if !stopped { _ = writer.stop() } }
            try load(database, writer)
            let result = writer.stop()
            stopped = true
            #expect(result.failures.isEmpty, "application writes failed: \(result.failures.prefix(3))")
            try check(database, result.written)
        }
    }

    @Test("rename, add, drop and retype columns under a live writer: no write fails, verify is clean, new files carry the new columns",
          arguments: CaptureMode.allCases)
    func alterUnderLoad(_ mode: CaptureMode) throws {
        try underLoad(mode) { database, writer in
            try writer.awaitWrites(20)
            try database.sql("ALTER TABLE orders RENAME COLUMN customer TO client")
            try writer.awaitWrites(20)
            try database.sql("ALTER TABLE orders ADD COLUMN channel text")
            try database.sql("ALTER TABLE orders ALTER COLUMN channel SET DEFAULT 'web'")
            try writer.awaitWrites(20)
            try database.sql("ALTER TABLE orders DROP COLUMN updated_at")
            try writer.awaitWrites(20)
            try database.sql("ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14,4)")
            try writer.awaitWrites(20)
        } check: { database, written in
            #expect(written >= 100)
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == written)
            let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "orders"])
            let columns = seen["columns"] as? [String] ?? []
            #expect(columns.contains("client") && columns.contains("channel"), "\(columns)")
            let nonNull = seen["non_null"] as? [String: Int] ?? [:]
            #expect(nonNull["channel"] ?? 0 >= 60, "values written after ADD COLUMN reach bronze: \(nonNull)")
            #expect(nonNull["client"] ?? 0 >= 80, "values written after the rename reach bronze: \(nonNull)")
        }
    }

    /// An online schema change (pg-osc and the like) builds a new table and swaps it in by
    /// renames. Before, the old table's writes failed (its triggers called a capture function
    /// that had become the new table's) and bronze kept rows the new table does not hold.
    @Test("a table swapped in under the captured name by renames, under a live writer: no write to either table fails, bronze follows the new table",
          arguments: CaptureMode.allCases)
    func swapUnderLoad(_ mode: CaptureMode) throws {
        try underLoad(mode) { database, writer in
            try writer.awaitWrites(40)
            // The new table holds only half the rows: the others must leave bronze.
            try database.sql("CREATE TABLE orders_new (LIKE orders INCLUDING ALL)")
            try database.sql("""
                BEGIN;
                LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE;
                INSERT INTO orders_new SELECT * FROM orders WHERE id % 2 = 0;
                SELECT setval(pg_get_serial_sequence('orders_new', 'id'), (SELECT max(id) FROM orders));
                ALTER TABLE orders RENAME TO orders_old;
                ALTER TABLE orders_new RENAME TO orders;
                COMMIT
                """)
            try writer.awaitWrites(40)
            try database.sql("INSERT INTO orders_old (branch, amount, status) VALUES ('old-table', 1, 'NEW')")
            try database.sql("UPDATE orders_old SET status = 'INTRANSIT'")
            try writer.awaitWrites(20)
        } check: { database, _ in
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            let source = try database.sql("SELECT count(*) FROM orders").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(report.tables[0].matching == Int(source), "\(report)")
            let dropped = try database.sql("SELECT count(*) FROM orders_old WHERE id % 2 = 1").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(Int(dropped) ?? 0 >= 20, "rows the new table does not hold: \(dropped)")
            if mode == .logical {
                #expect(try database.sql("SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass") == "f")
            }
        }
    }

    /// An update that leaves a TOASTed value unchanged carries it only in a full old row:
    /// with the replica identity set back to DEFAULT, the daemon stopped at such an update
    /// for good (the slot sends the same transaction again after every restart).
    @Test("logical capture keeps REPLICA IDENTITY FULL through a user's ALTER: an update leaving a large value unchanged still reaches bronze whole")
    func replicaIdentityStaysFull() throws {
        let database = try RetailDatabase(mode: .logical)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.sql("""
                INSERT INTO orders (id, branch, customer, amount, status)
                SELECT 1, 'b', (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i), 1, 'NEW'
                """)
            try database.sql("ALTER TABLE orders REPLICA IDENTITY DEFAULT")
            #expect(try database.sql("SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass") == "f")
            try database.sql("UPDATE orders SET status = 'INTRANSIT' WHERE id = 1")
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
        }
        // Uninstall puts back what was there before capture, not what the user set meanwhile.
        let uninstall = try database.medallion(["uninstall"])
        #expect(uninstall.status == 0, "\(uninstall.output)\(uninstall.error)")
        #expect(try database.sql("SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass") == "d")
    }

    /// The slot sends the old table's changes from before the swap again after the swap
    /// moved the publication and `source_oid` to the new table: they are skipped, and the
    /// swap's deletes of the old table's rows cover them.
    @Test("a swap while the daemon is stopped, after writes to the renamed table: bronze follows the new table",
          arguments: CaptureMode.allCases)
    func swapWhileStopped(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(4)
            #expect(try database.verify().isClean)
        }
        try database.sql("ALTER TABLE orders RENAME TO orders_old")
        try database.sql("INSERT INTO orders_old (branch, customer, amount, status) VALUES ('branch-09', 'c', 1, 'NEW')")
        try database.sql("UPDATE orders_old SET status = 'INTRANSIT' WHERE id = 1")
        try database.sql("CREATE TABLE orders (LIKE orders_old INCLUDING ALL)")
        try database.sql("INSERT INTO orders SELECT * FROM orders_old WHERE id <= 2")
        try database.sql("INSERT INTO orders (id, branch, customer, amount, status) VALUES (100, 'branch-01', 'c', 1, 'NEW')")
        try withDaemon(database) { _ in
            try database.sql("INSERT INTO orders (id, branch, customer, amount, status) VALUES (101, 'branch-01', 'c', 1, 'NEW')")
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 4, "\(report)")
        }
    }

    @Test("a captured table renamed with nothing taking its name: still captured under the old name, and status and verify say the source is missing",
          arguments: CaptureMode.allCases)
    func renamedAway(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(3)
            #expect(try database.verify().isClean)
            try database.sql("ALTER TABLE orders RENAME TO orders_renamed")
            try database.sql("INSERT INTO orders_renamed (branch, customer, amount, status) VALUES ('branch-09', 'c', 1, 'NEW')")
            #expect(throws: CaptureError.self) { try database.verify(tables: [TableName(name: "orders")]) }
            let status = try StatusReader(dsn: database.dsn, lake: database.lake).read()
            #expect(status.databaseError == nil, "\(status.databaseError ?? "")")
            let orders = status.tables.first { $0.table == "public.orders" }
            #expect(orders?.sourceMissing == true)
            #expect(status.tables.first { $0.table == "public.ordershistory" }?.sourceMissing == nil)
            try database.sql("ALTER TABLE orders_renamed RENAME TO orders")
            let report = try database.verify()
            #expect(report.isClean, "the row written meanwhile was captured: \(report)")
            #expect(report.tables[0].matching == 4)
        }
    }

    /// verify compares rows by key: with the key dropped, every row fell under one empty
    /// key and verify called 1 source row and 1 bronze row equal.
    @Test("a dropped primary key: writes go on, verify refuses to compare, adding it again captures the rows again",
          arguments: CaptureMode.allCases)
    func droppedPrimaryKey(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(3)
            try database.sql("ALTER TABLE ordershistory DROP CONSTRAINT ordershistory_order_id_fkey")
            try database.sql("ALTER TABLE orders DROP CONSTRAINT orders_pkey")
            try database.sql("INSERT INTO orders (branch, customer, amount, status) VALUES ('branch-09', 'c', 1, 'NEW')")
            try database.sql("UPDATE orders SET status = 'INTRANSIT' WHERE id = 2")
            #expect(throws: CaptureError.self) { try database.verify(tables: [TableName(name: "orders")]) }
            try database.sql("ALTER TABLE orders ADD PRIMARY KEY (id)")
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 4, "\(report)")
        }
    }

    @Test("a captured table dropped and created again: bronze holds the new table's rows only")
    func dropAndCreate() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(5)
            #expect(try database.verify().isClean)
            try database.sql("DROP TABLE orders CASCADE")
            try database.sql("""
                CREATE TABLE orders (id bigint PRIMARY KEY, branch text NOT NULL, customer text, amount numeric(12,2),
                                     status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz)
                """)
            try database.sql("INSERT INTO orders (id, branch, amount, status) VALUES (100, 'branch-01', 2, 'NEW')")
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 1, "\(report)")
        }
    }

    /// The event trigger bumps `cdc.schema_version` before its transaction commits, and a
    /// sequence is not transactional: a batch could see the new version while its snapshot
    /// still saw the old columns, and then never read the columns again.
    @Test("a DDL that commits while a batch waits on its capture table: the changes after it carry the new column")
    func ddlCommittingDuringABatch() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(1)
            #expect(try database.verify().isClean)
            let ddl = try database.connect()
            defer { ddl.close() }
            try ddl.execute("BEGIN")
            try ddl.execute("ALTER TABLE ordershistory ADD COLUMN note text")
            // A change to the other table wakes the daemon; its batch waits on the lock
            // the DDL holds on cdc.ordershistory_changes.
            try database.sql("INSERT INTO orders (branch, customer, amount, status) VALUES ('branch-02', 'c', 1, 'NEW')")
            let watcher = try database.connect()
            defer { watcher.close() }
            _ = try Poll.until("a batch waiting on the DDL's lock", timeout: 30, interval: 0.01) {
                try watcher.execute("""
                    SELECT count(*) FROM pg_locks
                    WHERE relation = 'cdc.ordershistory_changes'::regclass AND mode = 'AccessShareLock' AND NOT granted
                    """).scalar == "1" ? true : nil
            }
            try ddl.execute("COMMIT")
            try database.sql("INSERT INTO ordershistory (order_id, status, note) VALUES (1, 'INTRANSIT', 'after the DDL')")
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
        }
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [database.lakeDirectory, "ordershistory"])
        #expect((seen["non_null"] as? [String: Int])?["note"] == 1, "\(seen)")
    }
}
