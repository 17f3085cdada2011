import ArgumentParser
import CDC
import Foundation
import Stages

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the bookmark, the backlog per table, the daemon, what holds the watermark, and the stage runner.",
        discussion: """
            Exit status 0 when the status could be read (even if the database is down: the lake part is shown). \
            The stage runner's state comes from medallion-stages-status.json in MEDALLION_STAGE_LOG_DIR \
            (set it as the daemon has it) and gold's age from <lake>/gold/_marker.json.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions

    @Flag(help: "Print the status as JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            let lake = try lakeOptions.open()
            let report = try StatusReader(dsn: global.resolvedDSN, lake: lake).read()
            let configured = (try? StageRunnerKind(parsing: environment("MEDALLION_STAGES") ?? "local")) ?? .local
            let stages = StageOverview.read(logDirectory: SparkTools.logDirectory(), lake: lake, configuredRunner: configured,
                                            daemonRunning: report.daemonRunning)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(StatusOutput(report: report, stages: stages)), as: UTF8.self))
            } else {
                print(Self.text(report) + "\n" + Self.text(stages))
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
        if let slot = report.slot {
            lines.append("slot          \(slot.name) \(slot.active ? "active" : "inactive"), confirmed \(slot.confirmedFlushLSN ?? "-"), "
                         + "retains \(slot.retainedWalBytes.map(String.init) ?? "?") WAL bytes, lag \(slot.lagBytes.map(String.init) ?? "?") bytes"
                         + (slot.walStatus == "lost" ? " — INVALIDATED: re-baseline (see \"Logical capture\" in the README)" : ""))
        } else if report.captureMode == "logical" {
            lines.append("slot          missing: run `medallion install --capture logical` again")
        }
        for table in report.tables {
            lines.append("backlog       \(table.table): \(table.backlogRows) row(s) after \(table.bookmark)")
            if let columns = table.uncapturedColumns {
                lines.append("NOT CAPTURED  \(table.table): source column(s) \(columns.joined(separator: ", ")) (DDL capture could not follow); "
                             + "run `medallion install` for the table to see why")
            }
            if table.sourceMissing == true {
                lines.append("NO SOURCE     \(table.table): no table of that name (renamed or dropped since install); "
                             + "capture follows a renamed one under this name (see \"A table swapped in\" in the README)")
            }
        }
        if let holder = report.watermarkHolder, report.watermarkVisible == false {
            lines.append("watermark     held by pid \(holder.pid) (\(holder.applicationName ?? "")); its age and query are hidden from this role: "
                         + "GRANT pg_read_all_stats TO it to see them")
        } else if let holder = report.watermarkHolder {
            lines.append(String(format: "watermark     held by pid %d (%@), transaction open %.1f s, query started %@: %@",
                                holder.pid, holder.applicationName ?? "", holder.transactionAgeSeconds,
                                holder.queryStart ?? "?", holder.query ?? ""))
        } else if report.watermarkVisible == false {
            lines.append("watermark     cannot see other roles' transactions: GRANT pg_read_all_stats TO this role to see who holds it back")
        } else if report.databaseError == nil {
            lines.append("watermark     no open transaction holds it back")
        }
        return lines.joined(separator: "\n")
    }

    static func text(_ stages: StageOverview) -> String {
        var lines = ["stages        \(stages.state) (runner \(stages.runner)\(stages.driver.map { ", driver \($0)" } ?? ""))"]
        if let outcome = stages.lastRunOutcome {
            let duration = stages.lastRunDurationSeconds.map { String(format: " in %.1f s", $0) } ?? ""
            lines.append("last run      \(outcome) at \(stages.lastRunAt ?? "?")\(duration); \(stages.runs) run(s), "
                         + "\(stages.failures) failed, \(stages.consecutiveFailures) in a row")
        } else {
            lines.append("last run      none recorded in \(stages.statusFile)")
        }
        if let error = stages.lastError {
            lines.append("stage error   \(stages.lastErrorAt ?? "?"): \(error)")
        }
        if let batch = stages.goldBronzeBatch, let age = stages.goldAgeSeconds {
            lines.append(String(format: "gold          covers bronze batch %llu, produced %@ (%.1f s ago)",
                                batch, stages.goldProducedAt ?? "?", age))
        } else if let error = stages.goldError {
            lines.append("gold          unreadable: \(error)")
        } else {
            lines.append("gold          not published yet")
        }
        return lines.joined(separator: "\n")
    }
}
