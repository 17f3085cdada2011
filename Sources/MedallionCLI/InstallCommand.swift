import ArgumentParser
import CDC
import Postgres

struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install change capture (capture tables and triggers) on source tables.",
        discussion: """
            Idempotent: re-run it after ALTER TABLE ... ADD COLUMN to bring the capture \
            table up to date. On first install the current rows are copied in as _op = 'R' \
            (an initial snapshot) so bronze starts complete. All tables in one transaction.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Tables as name or schema.name, in SQL identifier syntax (default: orders ordershistory).")
    var tables: [String] = []

    @Flag(inversion: .prefixedNo, help: "Take the initial snapshot of existing rows on first install.")
    var snapshot = true

    @Option(help: "Role the daemon connects as, granted what it needs (env: MEDALLION_STREAMER_ROLE).")
    var streamerRole: String?

    @Flag(help: "Print the install SQL script (sql/cdc_install.sql) and exit.")
    var printSQL = false

    @Option(help: "How changes are captured: trigger (capture tables, the default) or logical (a pgoutput replication slot; needs wal_level = logical). Default: the installed mode, trigger on a first install.")
    var capture: CaptureMode?

    @Flag(help: "Hand the database to a new lake: the lake that consumed it may not claim it again, every row is captured again, and the next daemon to start claims it for its lake.")
    var takeover = false

    func run() throws {
        try reportingErrors {
            if printSQL {
                print(CaptureScripts.install, terminator: "")
                return
            }
            let connection = try PostgresConnection(dsn: global.resolvedDSN, applicationName: "medallion install")
            var options = CaptureInstaller.Options()
            options.snapshot = snapshot
            options.streamerRole = streamerRole ?? environment("MEDALLION_STREAMER_ROLE")
            options.takeover = takeover
            options.capture = capture
            options.dsn = global.resolvedDSN
            for line in try CaptureInstaller(connection: connection).install(parseTables(tables) ?? [], options: options) {
                print("installed \(line)")
            }
        }
    }
}

extension CaptureMode: ExpressibleByArgument {}

struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove change capture from source tables (only what install created).",
        discussion: "Captured rows not yet streamed to bronze are dropped with their capture table."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Tables as name or schema.name, in SQL identifier syntax (default: orders ordershistory).")
    var tables: [String] = []

    @Flag(help: "Print the SQL that removes the shared objects (sql/cdc_uninstall.sql) and exit.")
    var printSQL = false

    func run() throws {
        try reportingErrors {
            if printSQL {
                print(CaptureScripts.uninstall, terminator: "")
                return
            }
            let connection = try PostgresConnection(dsn: global.resolvedDSN, applicationName: "medallion uninstall")
            for line in try CaptureInstaller(connection: connection).uninstall(parseTables(tables) ?? [], dsn: global.resolvedDSN) {
                print(line)
            }
        }
    }
}
