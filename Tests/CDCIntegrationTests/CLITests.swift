import Foundation
import Testing
import TestSupport
@testable import CDC

@Suite("Command line", .serialized)
struct CLITests {
    @Test("install, simulate, run and verify through the medallion executable")
    func fullCycle() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        let install = try database.medallion(["install"])
        #expect(install.status == 0, "\(install.error)")
        #expect(install.output.contains("installed public.orders -> cdc.orders_changes"))
        let daemon = try database.startDaemon()
        let simulate = try database.medallion(["simulate", "--orders", "20", "--rate", "100", "--delays", "0-0.2"])
        #expect(simulate.status == 0, "\(simulate.error)")
        #expect(simulate.output.contains("simulate: done: 20 orders, 40 status changes, 20 delivered"))
        let verify = try database.medallion(["verify"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        #expect(verify.output.contains("agrees with the source"))
        let json = try database.medallion(["verify", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["clean"] as? Bool == true)
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test("verify exits non-zero when bronze and source differ")
    func verifyDetectsDifference() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.insertOrders(3)
        let daemon = try database.startDaemon()
        #expect(try database.medallion(["verify"]).status == 0)
        daemon.signal(SIGTERM)
        try daemon.waitForExit()
        // A change behind capture's back (triggers disabled) is a real difference.
        try database.sql("ALTER TABLE orders DISABLE TRIGGER USER; UPDATE orders SET amount = 99 WHERE id = 1; ALTER TABLE orders ENABLE TRIGGER USER")
        let verify = try database.medallion(["verify"])
        #expect(verify.status != 0)
        #expect(verify.output.contains("DIFFERS"))
    }

    @Test("a source column capture could not follow (a reserved name): verify differs and status names it; renamed, it is captured again and verify is clean",
          arguments: CaptureMode.allCases)
    func verifyNamesUncapturedColumns(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(2)
        let daemon = try database.startDaemon()
        #expect(try database.verify().isClean)
        // The event trigger cannot follow a column named like a capture column: the DDL
        // goes through with a warning, and the column's values do not reach bronze.
        try database.sql("ALTER TABLE orders ADD COLUMN _op text")
        try database.sql("UPDATE orders SET _op = 'kept'")
        let report = try database.verify()
        #expect(report.tables.first { $0.table.name == "orders" }?.uncapturedColumns == ["_op"], "\(report)")
        #expect(report.tables.first { $0.table.name == "orders" }?.matching == 2, "the other columns still arrive")
        #expect(report.tables.first { $0.table.name == "ordershistory" }?.isClean == true)
        #expect(!report.isClean)
        let verify = try database.medallion(["verify"])
        #expect(verify.status == 2)
        #expect(verify.output.contains("column(s) _op of the source are not captured"), "\(verify.output)")
        let json = try database.medallion(["verify", "--json"])
        #expect(json.status == 2)
        #expect(json.output.contains("\"uncaptured_columns\" : [\n"), "\(json.output)")
        let status = try database.medallion(["status"])
        #expect(status.output.contains("NOT CAPTURED  public.orders: source column(s) _op"), "\(status.output)")
        // Renamed, the column is followed and the table's rows captured again, values
        // written meanwhile included: clean.
        try database.sql("ALTER TABLE orders RENAME COLUMN _op TO label")
        let renamed = try database.verify()
        #expect(renamed.isClean, "\(renamed)")
        #expect(try !database.medallion(["status"]).output.contains("NOT CAPTURED"))
        daemon.signal(SIGTERM)
        #expect(try daemon.waitForExit() == 0)
    }

    @Test("bad input: one clear sentence, non-zero exit, no lake files written")
    func badInput() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        // An unreachable server is retried, not an error (TransientErrorTests); one that
        // refuses this client is.
        let refused = try database.medallion(["run"], environment: ["MEDALLION_DSN": database.cluster.dsn(database: "x", user: "x")])
        #expect(refused.status != 0)
        #expect(refused.error.contains("Cannot connect to PostgreSQL"), "\(refused.error)")
        let malformed = try database.medallion(["run"], environment: ["MEDALLION_DSN": "host=127.0.0.1 bogus_option=1"])
        #expect(malformed.status != 0)
        #expect(malformed.error.contains("Cannot connect to PostgreSQL"))
        let unknown = try database.medallion(["run", "nosuchtable"])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("nosuchtable is not captured"))
        let unknownVerify = try database.medallion(["verify", "nosuchtable"])
        #expect(unknownVerify.status != 0)
        let unknownInstall = try database.medallion(["install", "nosuchtable"])
        #expect(unknownInstall.error.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: database.lakeDirectory + "/bronze"), "nothing written to the lake")

        let readOnly = try Repository.temporaryDirectory("medallion-readonly")
        defer { try? FileManager.default.removeItem(atPath: readOnly) }
        try Command.run("/bin/chmod", ["0555", readOnly])
        // root ignores permission bits; run the check as an unprivileged user when we are root.
        let environment = ["MEDALLION_LAKE": readOnly + "/lake"]
        let result: CommandResult
        if getuid() == 0 {
            result = try Command.run("/usr/sbin/runuser", ["-u", "postgres", "--", "/usr/bin/env",
                                                            "MEDALLION_DSN=\(database.dsn)", "MEDALLION_LAKE=\(readOnly)/lake",
                                                            try Repository.medallionExecutable(), "run"], check: false)
        } else {
            result = try database.medallion(["run"], environment: environment)
        }
        #expect(result.status != 0)
        #expect(result.error.contains("writable") || result.error.contains("ermission"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: readOnly + "/lake"))
        let badLake = try database.medallion(["run"], environment: ["MEDALLION_LAKE": "s3://bucket/x"])
        #expect(badLake.error.contains("not supported"))
        let badFault = try database.medallion(["run"], environment: ["MEDALLION_FAULT": "sometime"])
        #expect(badFault.error.contains("MEDALLION_FAULT"))
    }
}
