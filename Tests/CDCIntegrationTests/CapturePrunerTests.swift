import Logging
import Testing
import TestSupport
@testable import CDC
import LakeContract

@Suite("Capture pruner", .serialized)
struct CapturePrunerTests {
    @Test("plain capture table: while a backlog drains, committed rows wait; once caught up they all go")
    func defersWhileDraining() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(30)
        try database.makeCaptureTablePlain()
        let steps = try batches(of: 10, in: database)
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"), chunkRows: 15)
        defer { pruner.stop() }

        pruner.request(steps[0], draining: true)
        pruner.request(steps[1], draining: true)
        // Nothing wakes the pruner's thread for a draining request within the deferral.
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "30")

        pruner.request(steps[2], draining: false)
        try Poll.until("the caught-up request prunes every committed row") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0"
        }
        #expect(try database.sql("SELECT count(*) FROM cdc.ordershistory_changes") == "30", "only the named table is pruned")
    }

    @Test("plain capture table: a backlog that never drains is still pruned once the deferral has passed")
    func prunesAfterTheDeferral() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(20)
        try database.makeCaptureTablePlain()
        let steps = try batches(of: 10, in: database)
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"), maximumDeferral: .zero)
        defer { pruner.stop() }

        pruner.request(steps[0], draining: true)
        try Poll.until("the first batch's rows are pruned") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "10"
        }
    }

    @Test("plain capture table: caught up, batches wait for the next prune at most once per interval; stop prunes them without waiting it out")
    func stopEndsTheInterval() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(20)
        try database.makeCaptureTablePlain()
        let steps = try batches(of: 10, in: database)
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"), minimumInterval: .seconds(3600))

        pruner.request(steps[0], draining: false)
        try Poll.until("the first batch's rows are pruned") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "10"
        }
        pruner.request(steps[1], draining: false)
        pruner.stop()
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0", "stop finishes the pending prune")
    }

    @Test("plain capture table: on start, what a crash left below the bookmark is deleted in chunks, and nothing above it")
    func recoveryPruneInChunks() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(30)
        try database.makeCaptureTablePlain()
        let bookmark = try batches(of: 25, in: database)[0].tables[0].to
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"), chunkRows: 7)
        defer { pruner.stop() }

        pruner.request(through: [(TableName(name: "orders"), bookmark)], batch: 1)
        try Poll.until("the rows at or below the bookmark are pruned") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5"
        }
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE (_txid, _seq) <= ('\(bookmark.txid)'::xid8, \(bookmark.seq))") == "0")
    }

    @Test("rotating capture table: caught up, both partitions are truncated, nothing deleted; the other table is left alone")
    func rotationTruncates() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(30)
        let generation = try database.sql("SELECT pg_sequence_last_value('cdc.capture_generation')")
        let steps = try batches(of: 10, in: database)
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"))
        defer { pruner.stop() }

        for step in steps { pruner.request(step, draining: false) }
        try Poll.until("every committed row is truncated") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0"
        }
        #expect(try database.sql("SELECT pg_sequence_last_value('cdc.capture_generation')") != generation, "writers moved to the other partition")
        #expect(try database.sql("SELECT sum(n_tup_del) FROM pg_stat_user_tables WHERE schemaname = 'cdc' AND relname LIKE 'orders\\_changes%'") == "0")
        #expect(try database.sql("SELECT count(*) FROM cdc.ordershistory_changes") == "30", "only the named table is pruned")
        try database.insertOrders(1)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "1", "writers insert into the partition that was truncated")
    }

    @Test("rotating capture table: a partition with rows past the bookmark, or held by an open writer, is not truncated until it is all in bronze")
    func rotationWaitsForBronzeAndWriters() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(10)
        let bookmark = try batches(of: 10, in: database)[0]
        // A writer still open in the partition the first rows went to; its row is past the
        // bookmark (a later transaction id), as the daemon's watermark guarantees.
        let writer = try database.connect()
        defer { writer.close() }
        try writer.execute("BEGIN")
        try writer.execute("INSERT INTO orders (branch, customer, amount, status) VALUES ('branch-09', 'open', 1, 'NEW')")
        let pruner = CapturePruner(dsn: database.dsn, fault: .none, logger: Logger(label: "test"), minimumInterval: .milliseconds(50))
        defer { pruner.stop() }

        pruner.request(bookmark, draining: false)
        // The pruner turns the generation, then finds the partition held: it tries again.
        try Poll.until("the generation turns") {
            try database.sql("SELECT pg_sequence_last_value('cdc.capture_generation')") == "1"
        }
        try database.insertOrders(1)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "11", "nothing truncated under the open writer")
        let rotation = CaptureRotation(connection: try database.connect(), lockTimeoutMilliseconds: 10)
        defer { rotation.connection.close() }
        let partition = try #require(try rotation.partitions(of: TableName(name: "orders"))).byGeneration[0]
        #expect(try rotation.truncate(partition, through: bookmark.tables[0].to) == .busy)
        try writer.execute("COMMIT")
        // Committed now, and past the bookmark: kept.
        #expect(try rotation.truncate(partition, through: bookmark.tables[0].to) == .notYet)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "12")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE customer = 'open'") == "1")

        let all = try batches(of: 12, in: database)[0]
        pruner.request(all, draining: false)
        try Poll.until("everything in bronze is truncated") {
            try database.sql("SELECT count(*) FROM cdc.orders_changes") == "0"
        }
    }

    /// The `orders` capture rows cut into committed batches of `size` rows.
    private func batches(of size: Int, in database: RetailDatabase) throws -> [BatchIntent] {
        let positions = try database.sql("SELECT _txid || ' ' || _seq FROM cdc.orders_changes ORDER BY _txid, _seq")
            .split(separator: "\n")
            .map { line in
                let parts = line.split(separator: " ")
                return TablePosition(txid: UInt64(parts[0])!, seq: Int64(parts[1])!)
            }
        return stride(from: 0, to: positions.count, by: size).enumerated().map { index, start in
            let end = min(start + size, positions.count) - 1
            let range = BatchIntent.TableRange(table: TableName(name: "orders"), from: start == 0 ? .start : positions[start - 1],
                                               to: positions[end], rows: end - start + 1, columns: [], files: [])
            return BatchIntent(batch: UInt64(index + 1), watermark: 0, tables: [range], createdAt: "")
        }
    }
}
