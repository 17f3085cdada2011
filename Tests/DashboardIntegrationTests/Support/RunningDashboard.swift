import Foundation
import Lake
import Logging
import ServiceLifecycle
@testable import Dashboard

/// A dashboard server running in this process on a real port, until `stop()`.
final class RunningDashboard: Sendable {
    let port: Int
    /// The server's state and event fan-out.
    let store: GoldStore
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(port: Int, store: GoldStore, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.store = store
        self.group = group
        self.task = task
    }

    /// Starts a dashboard on `lake` (a free port unless one is given) polling every 20 ms,
    /// changed further by `configure`, and returns once it listens.
    static func start(lake: any LakeStorage, port: Int = 0,
                      configure: (inout DashboardServer.Configuration) -> Void = { _ in }) async throws -> RunningDashboard {
        var configuration = DashboardServer.Configuration()
        configuration.port = port
        configuration.pollInterval = .milliseconds(20)
        configuration.heartbeatInterval = .milliseconds(200)
        configure(&configuration)
        var logger = Logger(label: "dashboard-test")
        // DASHBOARD_TEST_LOG=debug shows the server's and the watcher's logs.
        logger.logLevel = ProcessInfo.processInfo.environment["DASHBOARD_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        let server = try DashboardServer(configuration: configuration, lake: lake, logger: logger)
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        let application = server.makeApplication { port in
            listening.yield(port)
            listening.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let task = Task {
            // Ends the wait below if the server fails to start (a port in use).
            defer { listening.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            try await task.value
            throw DashboardError(.invalidConfiguration, message: "the dashboard stopped before listening")
        }
        return RunningDashboard(port: bound, store: server.store, group: group, task: task)
    }

    /// Shuts down gracefully (as on SIGTERM) and waits for the server to exit.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
