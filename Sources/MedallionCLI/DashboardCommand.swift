import ArgumentParser
import Dashboard
import Dispatch
import Foundation
import Synchronization

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the live dashboard of gold results until stopped (SIGINT/SIGTERM).",
        discussion: """
            Reads gold (<lake>/gold/branch_metrics.json, else the CSV directory \
            <lake>/gold/branch_metrics/ with <lake>/gold/_marker.json; the per-day figures from \
            <lake>/gold/branch_daily.json) and the bronze bookmark every --poll-interval, and \
            serves the page at / (its live part alone at /fragment, its stylesheet and script \
            under /assets/), the same numbers at /api/branches and /api/trends, /healthz, and server-sent events at /events that update open pages in place. \
            Requests whose Host is not the listen address (or localhost for a loopback or \
            wildcard bind, or an --allowed-hosts name) get 421, against DNS rebinding.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions

    @Option(help: "Address to listen on (env: MEDALLION_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port, 0 for any free one (env: MEDALLION_PORT; default 5000).")
    var port: SettingText?

    @Option(help: "How often to read the lake for new gold (env: MEDALLION_DASHBOARD_POLL; default 500ms).")
    var pollInterval: SettingText?

    @Option(help: "Warn when gold is older than this while bronze has newer batches (env: MEDALLION_DASHBOARD_STALE_AFTER; default 120s).")
    var staleAfter: SettingText?

    @Option(help: "More Host names to answer, comma-separated: name (any port) or name:port; others get 421 (env: MEDALLION_ALLOWED_HOSTS).")
    var allowedHosts: String?

    @Option(help: "Most /events streams open at once; past it, 503 (env: MEDALLION_DASHBOARD_MAX_STREAMS; default 64).")
    var maxStreams: SettingText?

    static let portSetting = Setting<Int>.integer("--port", "MEDALLION_PORT", in: 0...65535)
    // Not zero: the watcher would read the lake in a tight loop.
    static let pollSetting = Setting<Duration>.duration("--poll-interval", "MEDALLION_DASHBOARD_POLL", in: .milliseconds(10) ... .seconds(3600))
    static let staleSetting = Setting<Duration>.duration("--stale-after", "MEDALLION_DASHBOARD_STALE_AFTER", in: .seconds(1) ... .seconds(30 * 86_400))
    static let streamsSetting = Setting<Int>.integer("--max-streams", "MEDALLION_DASHBOARD_MAX_STREAMS", in: 1...10_000)

    func validate() throws {
        do {
            try serverConfiguration().validate()
        } catch let error as DashboardError {
            throw ValidationError(error.message)
        }
    }

    /// The server's configuration from the flags and variables.
    func serverConfiguration() throws -> DashboardServer.Configuration {
        var configuration = DashboardServer.Configuration()
        configuration.host = host ?? environment("MEDALLION_HOST") ?? configuration.host
        configuration.port = try Self.portSetting.resolve(port) ?? configuration.port
        configuration.pollInterval = try Self.pollSetting.resolve(pollInterval) ?? configuration.pollInterval
        configuration.staleAfter = try Self.staleSetting.resolve(staleAfter) ?? configuration.staleAfter
        configuration.maxEventStreams = try Self.streamsSetting.resolve(maxStreams) ?? configuration.maxEventStreams
        configuration.allowedHosts = (allowedHosts ?? environment("MEDALLION_ALLOWED_HOSTS") ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return configuration
    }

    func run() async throws {
        try await reportingErrors {
            let logger = try global.logger("medallion.dashboard")
            let server = try DashboardServer(configuration: try serverConfiguration(), lake: try lakeOptions.open(), logger: logger)
            try await server.run()
        }
    }
}
