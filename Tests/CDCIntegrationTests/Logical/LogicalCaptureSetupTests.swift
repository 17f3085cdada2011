import Testing
import TestSupport
@testable import CDC
import Postgres

@Suite("Logical capture setup", .serialized)
struct LogicalCaptureSetupTests {
    @Test("install publishes the tables and creates the slot once; uninstall removes them, the slot with the last table")
    func installAndUninstall() throws {
        let cluster = try LogicalTestSource.cluster()
        let database = try cluster.makeDatabase("setup")
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let connection = try PostgresConnection(dsn: cluster.dsn(database: database))
        defer { connection.close() }
        try connection.executeScript("CREATE TABLE orders (id int PRIMARY KEY); CREATE SCHEMA shop; CREATE TABLE shop.\"Items\" (id int PRIMARY KEY);")
        var setup = LogicalCaptureSetup(connection: connection, dsn: cluster.dsn(database: database))
        setup.slot = "setup_" + database.suffix(8)

        #expect(try setup.install(["orders"]).count == 2)
        let slot = try #require(try LogicalSlotStatus.read(setup.slot, on: connection))
        #expect(slot.plugin == "pgoutput")
        #expect(!slot.isActive && !slot.isLost)
        #expect(slot.walStatus == "reserved")
        #expect((slot.retainedBytes ?? -1) >= 0 && (slot.lagBytes ?? -1) >= 0)

        #expect(try setup.install(["public.orders", "shop.\"Items\""]) == ["publication medallion_capture: added 1 tables"])
        #expect(try setup.install(["orders", "shop.\"Items\""]).isEmpty, "idempotent")
        #expect(try connection.execute("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'medallion_capture'").scalar == "2")
        #expect(try LogicalSlotStatus.read(setup.slot, on: connection)?.confirmedFlush == slot.confirmedFlush, "the slot is kept")

        #expect(try setup.uninstall(["orders"]) == ["publication medallion_capture: removed 1 tables"])
        #expect(try LogicalSlotStatus.read(setup.slot, on: connection) != nil)
        #expect(try setup.uninstall(["shop.\"Items\""]) == ["dropped publication medallion_capture", "dropped slot \(setup.slot)"])
        #expect(try LogicalSlotStatus.read(setup.slot, on: connection) == nil)
        #expect(try connection.execute("SELECT count(*) FROM pg_publication").scalar == "0")
    }

    @Test("install refuses a server without wal_level = logical, saying what to set")
    func needsLogicalWAL() throws {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.makeDatabase("setup")
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let connection = try PostgresConnection(dsn: cluster.dsn(database: database))
        defer { connection.close() }
        try connection.execute("CREATE TABLE orders (id int PRIMARY KEY)")
        let setup = LogicalCaptureSetup(connection: connection, dsn: cluster.dsn(database: database))
        let error = #expect(throws: CaptureError.self) { try setup.install(["orders"]) }
        #expect(error?.description.contains("wal_level = logical") == true)
        #expect(try connection.execute("SELECT count(*) FROM pg_publication").scalar == "0")
    }
}
