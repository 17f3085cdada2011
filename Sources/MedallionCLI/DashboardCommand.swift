import ArgumentParser
import Dashboard
import Dispatch
import Foundation
import Synchronization

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the live dashboard of gold results until stopped (SIGINT/SIGTERM).",
        discussion: """
            Reads gold (<lake>/gold/branch_metrics.json, else the CSV directory \
            <lake>/gold/branch_metrics/ with <lake>/gold/_marker.json) and the bronze bookmark \
            every --poll-interval, and serves the page at /, the same numbers at /api/branches, \
            /healthz, and server-sent events at /events that update open pages in place.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions

    @Option(help: "Address to listen on (env: MEDALLION_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port (env: MEDALLION_PORT; default 5000).")
    var port: Int?

    @Option(help: "How often to read the lake for new gold (env: MEDALLION_DASHBOARD_POLL; default 500ms).")
    var pollInterval: DurationOption?

    @Option(help: "Warn when gold is older than this while bronze has newer batches (env: MEDALLION_DASHBOARD_STALE_AFTER; default 120s).")
    var staleAfter: DurationOption?

    func run() throws {
        try reportingErrors {
            let logger = try global.logger("medallion.dashboard")
            var configuration = DashboardServer.Configuration()
            configuration.host = host ?? environment("MEDALLION_HOST") ?? configuration.host
            if let port = try port ?? environment("MEDALLION_PORT").map(Self.parsePort) {
                configuration.port = port
            }
            if let poll = try pollInterval ?? DurationOption.fromEnvironment("MEDALLION_DASHBOARD_POLL") {
                configuration.pollInterval = poll.duration
            }
            if let stale = try staleAfter ?? DurationOption.fromEnvironment("MEDALLION_DASHBOARD_STALE_AFTER") {
                configuration.staleAfter = stale.duration
            }
            let server = try DashboardServer(configuration: configuration, lake: try lakeOptions.open(), logger: logger)
            try runBlocking { try await server.run() }
        }
    }

    static func parsePort(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw ValidationError("MEDALLION_PORT=\(text) is not a port number.") }
        return value
    }
}
