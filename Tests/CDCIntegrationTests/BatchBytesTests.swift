import Foundation
import Testing
import TestSupport
@testable import CDC

/// Batches are bounded by bytes as well as rows: wide rows cannot exhaust the daemon's
/// memory, and a batch interrupted by a crash can be read again in smaller ones.
@Suite("Batch byte limit", .serialized)
struct BatchBytesTests {
    static let wideTable = """
        CREATE TABLE wide (id int PRIMARY KEY, body text);
        """
    /// `count` rows of 1 MiB of text each (COPY sends them whole, however well they compress).
    static func insertWide(_ database: RetailDatabase, from first: Int, count: Int) throws {
        try database.sql("INSERT INTO wide SELECT g, repeat(md5(g::text), 32768) FROM generate_series(\(first), \(first + count - 1)) g")
    }

    static func peakRSSMegabytes(_ pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    @Test("60 rows of 1 MiB with --max-batch-bytes 3MiB: batches of a few rows, memory bounded, verify clean")
    func wideRows() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.sql(Self.wideTable)
        _ = try CaptureInstaller(connection: database.connect()).install([TableName(name: "wide")])
        try Self.insertWide(database, from: 1, count: 60)
        let daemon = try database.startDaemon(["MEDALLION_MAX_BATCH_BYTES": "3MiB"], arguments: ["wide"])
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        let report = try database.verify(timeout: .seconds(120), tables: [TableName(name: "wide")])
        #expect(report.isClean, "\(report)")
        #expect(report.tables[0].matching == 60)
        let bookmark = try BronzeCommitter(lake: database.lake, fault: .none).loadBookmark()
        #expect(bookmark.batch >= 20, "3 MiB holds at most 3 rows of 1 MiB: \(bookmark.batch) batches")
        let peak = try Self.peakRSSMegabytes(daemon.pid)
        #expect(peak < 150, "peak RSS \(peak) MB with 60 MB captured")
    }

    @Test("a crash after the intent of a large batch: the restart with a smaller byte limit reads its rows again in smaller batches")
    func interruptedLargeBatchIsSplit() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.sql(Self.wideTable)
        _ = try CaptureInstaller(connection: database.connect()).install([TableName(name: "wide")])
        try Self.insertWide(database, from: 1, count: 24)
        let crashed = try database.medallion(["run", "wide"], environment: ["MEDALLION_FAULT": "after-intent@1"])
        #expect(crashed.status == 86, "\(crashed.error)")
        #expect(try database.lake.exists("bronze/_cdc/intent.json"))
        let daemon = try database.startDaemon(["MEDALLION_MAX_BATCH_BYTES": "4MiB"], arguments: ["wide"])
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        #expect(daemon.output.contains("larger than the batch byte limit"), "\(daemon.output)")
        let report = try database.verify(timeout: .seconds(120), tables: [TableName(name: "wide")])
        #expect(report.isClean, "\(report)")
        #expect(report.tables[0].matching == 24)
        #expect(try BronzeCommitter(lake: database.lake, fault: .none).loadBookmark().batch >= 6)
    }
}
