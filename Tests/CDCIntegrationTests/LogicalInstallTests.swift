import Foundation
import Testing
import TestSupport
@testable import CDC
import Postgres

@Suite("Logical install", .serialized)
struct LogicalInstallTests {
    @Test("install --capture logical: mode recorded, no triggers, REPLICA IDENTITY FULL, publication, slot and its snapshot; uninstall drops them")
    func installAndUninstall() throws {
        let database = try RetailDatabase(capture: false, mode: .logical)
        defer { database.drop() }
        try database.insertOrders(5)
        let install = try database.medallion(["install", "--capture", "logical"])
        #expect(install.status == 0, "\(install.output)\(install.error)")
        #expect(install.output.contains("snapshot of 5 row(s)"), "\(install.output)")
        #expect(try database.sql("SELECT value FROM cdc.settings WHERE name = 'capture'") == "logical")
        #expect(try database.sql("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal") == "0")
        #expect(try database.sql("SELECT string_agg(relreplident::text, '' ORDER BY relname) FROM pg_class WHERE relname IN ('orders', 'ordershistory')") == "ff")
        #expect(try database.sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'medallion_capture'") == "2")
        #expect(try database.sql("SELECT plugin FROM pg_replication_slots WHERE database = current_database() AND slot_name = 'medallion_' || (SELECT oid FROM pg_database WHERE datname = current_database())") == "pgoutput")
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE _op = 'R'") == "5")
        // Writes after the install reach the slot, not the capture tables.
        try database.insertOrders(2)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5")

        // Idempotent, and the mode stays; switching needs an uninstall first.
        #expect(try database.medallion(["install"]).status == 0)
        #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes") == "5")
        let switching = try database.medallion(["install", "--capture", "trigger"])
        #expect(switching.status != 0)
        #expect(switching.error.contains("uninstall"), "\(switching.error)")

        let uninstall = try database.medallion(["uninstall"])
        #expect(uninstall.status == 0, "\(uninstall.output)\(uninstall.error)")
        #expect(try database.sql("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()") == "0")
        #expect(try database.sql("SELECT count(*) FROM pg_publication") == "0")
        #expect(try database.sql("SELECT to_regclass('cdc.settings') IS NULL") == "t")
    }

    @Test("install --capture logical refuses a server without wal_level = logical and leaves nothing behind")
    func refusesWithoutLogicalWAL() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let install = try database.medallion(["install", "--capture", "logical"])
        #expect(install.status != 0)
        #expect(install.error.contains("wal_level = logical"), "\(install.error)")
        #expect(try database.sql("SELECT to_regclass('cdc.captured_tables') IS NULL") == "t", "the install's transaction rolled back")
    }
}
