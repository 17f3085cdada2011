import ArgumentParser
import CDC
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the bookmark, the backlog per table, the daemon and what holds the watermark.",
        discussion: "Exit status 0 when the status could be read (even if the database is down: the lake part is shown)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions

    @Flag(help: "Print the status as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let report = try StatusReader(dsn: global.resolvedDSN, lake: try lakeOptions.open()).read()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.text(report))
            }
        }
    }

    static func text(_ report: StatusReport) -> String {
        var lines = ["lake          \(report.lake)"]
        if report.bookmark.batch == 0 {
            lines.append("bookmark      no batch committed yet")
        } else {
            let age = report.lastCommitAgeSeconds.map { String(format: "%.1f s ago", $0) } ?? "?"
            lines.append("bookmark      batch \(report.bookmark.batch), watermark \(report.bookmark.watermark), committed \(report.bookmark.committedAt) (\(age))")
        }
        if let daemon = report.daemon {
            let state = report.daemonRunning ? daemon.state : "not running (last: \(daemon.state))"
            lines.append("daemon        \(state) — \(daemon.holderDescription)")
            if let error = daemon.lastError {
                lines.append("last error    \(daemon.lastErrorAt ?? "?"): \(error)")
            }
        } else {
            lines.append("daemon        never ran against this lake")
        }
        if let error = report.databaseError {
            lines.append("database      unavailable: \(error)")
        }
        for table in report.tables {
            lines.append("backlog       \(table.table): \(table.backlogRows) row(s) after \(table.bookmark)")
        }
        if let holder = report.watermarkHolder {
            lines.append(String(format: "watermark     held by pid %d (%@), transaction open %.1f s, query started %@: %@",
                                holder.pid, holder.applicationName ?? "", holder.transactionAgeSeconds,
                                holder.queryStart ?? "?", holder.query ?? ""))
        } else if report.databaseError == nil {
            lines.append("watermark     no open transaction holds it back")
        }
        return lines.joined(separator: "\n")
    }
}
