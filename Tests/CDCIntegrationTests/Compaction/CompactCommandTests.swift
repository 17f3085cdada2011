import Foundation
import Testing
import TestSupport
@testable import CDC

/// `medallion compact` as a process: the lake lock, and real crashes (`_exit`) at each step.
@Suite("medallion compact", .serialized)
struct CompactCommandTests {
    static func compact(_ fixture: BronzeHistoryFixture, environment: [String: String] = [:]) throws -> CommandResult {
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("MEDALLION_") }
        variables.merge(environment) { $1 }
        return try Command.run(Repository.medallionExecutable(), ["compact", "--lake", fixture.directory, "--compact-grace", "0"],
                               environment: variables, check: false)
    }

    @Test("refuses while a daemon holds the lake, naming it; compacts once it is gone")
    func refusesWhileLocked() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(10, rows: 2, date: "2026-01-01")
        let lock = LakeLock(lake: fixture.lake)
        try lock.acquire()
        let refused = try Self.compact(fixture)
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.error.contains("Another medallion daemon is writing to"), "\(refused.error)")
        #expect(try fixture.files("bronze/orders/date=2026-01-01").count == 10)
        lock.release()

        let ran = try Self.compact(fixture)
        #expect(ran.status == 0, "\(ran)")
        #expect(ran.output.contains("bronze/orders/date=2026-01-01: 10 files"), "\(ran.output)")
        let figures = ran.output.split(separator: "\n").first { $0.hasPrefix("orders ") }?.split(separator: " ").map(String.init)
        #expect(figures?.count == 6 && figures?[1] == "10" && figures?[3] == "1" && figures?[5] == "1", "\(ran.output)")
        #expect(try fixture.files("bronze/orders/date=2026-01-01").count == 1)
        let again = try Self.compact(fixture)
        #expect(again.status == 0 && !again.output.contains("compacted bronze/"), "\(again.output)")
    }

    @Test("killed after any step, the next compact finishes or undoes it", arguments: CompactionStep.allCases)
    func killedAtStep(_ step: CompactionStep) throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(12, rows: 3, date: "2026-01-01")
        try fixture.addBatches(12, rows: 3, date: "2026-01-02")
        let before = try fixture.rows()
        let crashed = try Self.compact(fixture, environment: ["MEDALLION_FAULT": step.rawValue])
        #expect(crashed.status == 86, "\(step): \(crashed)")
        #expect(try fixture.rows() == before, "\(step): a reader after the crash")
        let ran = try Self.compact(fixture)
        #expect(ran.status == 0, "\(ran)")
        #expect(try fixture.rows() == before, "\(step)")
        #expect(try fixture.files("bronze/orders/date=2026-01-01").count == 1)
        #expect(try fixture.files("bronze/orders/date=2026-01-02").count == 1)
        #expect(try fixture.lake.listFilesRecursively("bronze/_cdc/compacting").isEmpty)
        #expect(try !fixture.lake.exists(BronzeLayout.compactionIntent))
    }
}
