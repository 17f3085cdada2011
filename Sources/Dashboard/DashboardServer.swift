import Foundation
import Hummingbird
import Lake
import Logging
import NIOCore
import ServiceLifecycle

/// The live dashboard: an HTTP server (Hummingbird) that shows gold's branch metrics
/// and pushes new results to open pages, with a watcher that polls the lake.
///
/// ```swift
/// let server = DashboardServer(configuration: .init(), lake: LocalLake(root: "/srv/lake"), logger: logger)
/// try await server.run()   // until SIGINT or SIGTERM
/// ```
public struct DashboardServer: Sendable {
    /// How the dashboard listens and how it watches the lake.
    public struct Configuration: Sendable {
        /// The address to listen on (loopback unless changed).
        public var host = "127.0.0.1"
        /// The TCP port (0 picks a free one).
        public var port = 5000
        /// How often the lake is read for a new gold result and bookmark.
        public var pollInterval: Duration = .milliseconds(500)
        /// How old gold may get, while bronze has newer batches, before the page warns.
        public var staleAfter: Duration = .seconds(120)
        /// How often idle event streams get a heartbeat comment; a page that went away
        /// frees its `/events` slot at the latest then.
        public var heartbeatInterval: Duration = .seconds(15)
        /// More `Host` names answered besides the listen address (and `localhost`,
        /// `127.0.0.1`, `[::1]` for a loopback or wildcard bind): `name` on any port,
        /// `name:port` on that one; see `AllowedHosts`.
        public var allowedHosts: [String] = []
        /// How many `/events` streams may be open at once; past it, 503 with Retry-After.
        public var maxEventStreams = 64

        /// The defaults: 127.0.0.1:5000, polling every 500 ms.
        public init() {}

        /// Throws what `DashboardServer.init` would refuse: a port, interval or stream cap out
        /// of range, an allowed host that is not a host name.
        public func validate() throws(DashboardError) {
            _ = try validated()
            _ = try AllowedHosts(bindHost: host, port: port, extra: allowedHosts)
        }

        func validated() throws(DashboardError) -> Configuration {
            guard (0...65535).contains(port) else {
                throw DashboardError(.invalidConfiguration, message: "The port \(port) is not between 0 and 65535.")
            }
            guard pollInterval > .zero, heartbeatInterval > .zero, staleAfter > .zero else {
                throw DashboardError(.invalidConfiguration, message: "The poll interval, stale-after and heartbeat must be positive.")
            }
            guard maxEventStreams > 0 else {
                throw DashboardError(.invalidConfiguration, message: "The maximum number of event streams must be at least 1.")
            }
            return self
        }
    }

    let configuration: Configuration
    let lake: any LakeStorage
    let logger: Logger
    let store: GoldStore
    let hosts: AllowedHosts

    /// - Parameters:
    ///   - configuration: address, port and polling.
    ///   - lake: the lake gold is read from.
    ///   - logger: where start-up, new results and lake problems are logged.
    public init(configuration: Configuration, lake: any LakeStorage, logger: Logger) throws(DashboardError) {
        self.configuration = try configuration.validated()
        self.lake = lake
        self.logger = logger
        hosts = try AllowedHosts(bindHost: configuration.host, port: configuration.port, extra: configuration.allowedHosts)
        let instance = String(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1000)), radix: 36)
        store = GoldStore(state: DashboardState(instance: instance, staleAfter: Self.seconds(configuration.staleAfter)))
    }

    /// Serves until SIGINT or SIGTERM, then closes every event stream and drains.
    public func run() async throws {
        try await makeApplication().runService()
    }

    /// The application with the lake watcher as one of its services.
    /// - Parameter onListening: called with the bound port once the server listens.
    func makeApplication(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let watcher = GoldWatcher(reader: GoldReader(lake: lake), store: store, pollInterval: configuration.pollInterval,
                                  heartbeatInterval: configuration.heartbeatInterval, logger: logger)
        let logger = logger
        let lakeDescription = lake.description
        let hosts = hosts
        return Application(
            router: DashboardRoutes.router(store: store, hosts: hosts, maxEventStreams: configuration.maxEventStreams),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: "medallion-dashboard"),
            services: [watcher],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                hosts.listening(on: port)
                logger.notice("dashboard listening", metadata: [
                    "url": "http://\(Self.urlHost(channel.localAddress?.ipAddress ?? "127.0.0.1")):\(port)/",
                    "lake": "\(lakeDescription)",
                ])
                await onListening(port)
            },
            logger: logger
        )
    }

    private static func urlHost(_ address: String) -> String {
        address.contains(":") ? "[\(address)]" : address
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
