import ArgumentParser
import CDC
import Foundation

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Merge the small bronze files of closed partitions into large ones, now.",
        discussion: """
            Takes the lake lock, so it refuses while a daemon runs against the lake (the \
            daemon compacts on its own schedule, --compact-interval). Only batches every \
            consumer has read are merged: at most the bronze bookmark and silver's \
            bookmark. Each partition is replaced in one atomic directory exchange; a crash \
            is finished or undone by the next compact or daemon start. Prints the files and \
            bytes per table before and after.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions
    @OptionGroup var compactionOptions: CompactionOptions

    func run() throws {
        try reportingErrors {
            let logger = try global.logger("medallion.compact")
            var compaction = BronzeCompaction(lake: try lakeOptions.open(), settings: try compactionOptions.settings(), logger: logger)
            compaction.fault = try FaultInjector(environment: environment("MEDALLION_FAULT"))
            let report = try compaction.run { print("compacted \($0)") }
            print(Self.table(report))
        }
    }

    static func table(_ report: CompactionReport) -> String {
        let header = ["table", "files_before", "bytes_before", "files_after", "bytes_after", "partitions_compacted"]
        let rows = report.tables.map { table in
            [table.table, "\(table.filesBefore)", "\(table.bytesBefore)", "\(table.filesAfter)", "\(table.bytesAfter)", "\(table.compactions)"]
        }
        let lines = TextTable(header: header, rows: rows).lines
            + ["compact: merged batches up to \(report.bound) (the lowest consumer bookmark)"]
        return lines.joined(separator: "\n")
    }
}
