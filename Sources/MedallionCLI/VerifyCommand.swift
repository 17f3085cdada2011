import ArgumentParser
import CDC
import Foundation
import Postgres

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Reconcile bronze with the source tables; exit 0 only when they agree.",
        discussion: """
            Rebuilds the latest row per primary key from bronze and compares it with the \
            source as of one snapshot, after waiting (up to --timeout) for the daemon to \
            commit every change that snapshot sees. Prints matching, missing, extra, \
            different and duplicate counts per table.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions

    @Argument(help: "Tables as name or schema.name, in SQL identifier syntax (default: every captured table).")
    var tables: [String] = []

    @Option(help: "How long to wait for bronze to catch up (env: MEDALLION_VERIFY_TIMEOUT; default 60s).")
    var timeout: SettingText?

    @Flag(help: "Print the report as JSON.")
    var json = false

    static let timeoutSetting = Setting<Duration>.duration("--timeout", "MEDALLION_VERIFY_TIMEOUT", in: .zero ... .seconds(86_400))

    func validate() throws {
        _ = try Self.timeoutSetting.resolve(timeout)
    }

    func run() throws {
        var clean = false
        try reportingErrors {
            let connection = try PostgresConnection(dsn: global.resolvedDSN, applicationName: "medallion verify")
            var options = Verifier.Options()
            if let timeout = try Self.timeoutSetting.resolve(timeout) {
                options.timeout = timeout
            }
            let report = try Verifier(connection: connection, lake: try lakeOptions.open(), options: options)
                .verify(parseTables(tables, default: nil) ?? [])
            print(json ? Self.json(report) : Self.table(report))
            clean = report.isClean
        }
        if !clean { throw ExitCode(2) }
    }

    static func table(_ report: VerifyReport) -> String {
        let header = ["table", "source", "bronze", "matching", "missing", "extra", "different", "duplicates"]
        let rows = report.tables.map { table in
            [table.table.description, "\(table.sourceRows)", "\(table.bronzeRows)", "\(table.matching)", "\(table.missing)",
             "\(table.extra)", "\(table.different)", "\(table.duplicates)"]
        }
        var lines = TextTable(header: header, rows: rows).lines
        for table in report.tables {
            lines += table.examples.map { "  \(table.table): \($0)" }
            if !table.uncapturedColumns.isEmpty {
                lines.append("  \(table.table): column(s) \(table.uncapturedColumns.joined(separator: ", ")) of the source are not captured, "
                             + "so bronze lacks them; run `medallion install \(table.table.lakeName)` to capture them (it names any column to rename first)")
            }
        }
        lines.append(report.isClean ? "verify: bronze (batch \(report.batch)) agrees with the source"
                                    : "verify: bronze (batch \(report.batch)) DIFFERS from the source")
        return lines.joined(separator: "\n")
    }

    static func json(_ report: VerifyReport) -> String {
        let tables: [[String: Any]] = report.tables.map { table in
            ["table": table.table.description, "source_rows": table.sourceRows, "bronze_rows": table.bronzeRows,
             "bronze_changes": table.bronzeChanges, "matching": table.matching, "missing": table.missing,
             "extra": table.extra, "different": table.different, "duplicates": table.duplicates,
             "examples": table.examples, "uncaptured_columns": table.uncapturedColumns]
        }
        let object: [String: Any] = ["clean": report.isClean, "batch": report.batch, "tables": tables]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
