import ArgumentParser
import CDC
import Foundation
import Retail
import ServiceLifecycle
import ServiceThreads

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the retail app: create orders and move them NEW → INTRANSIT → DELIVERED.",
        discussion: """
            Several connections write at once, so transactions commit out of id order. Orders are stamped on a business \
            clock that runs --time-scale times faster than the wall clock (default 3600: one wall second is one business \
            hour), so delivery times come out in hours and days; it continues from the latest change already in the \
            database. Branches are named places, some busier, some faster, drifting slowly. Prints a live line of rates.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "New orders per second (env: MEDALLION_SIM_RATE; default 20).")
    var rate: SettingText?

    @Option(help: "Number of branches (env: MEDALLION_SIM_BRANCHES; default 8).")
    var branches: SettingText?

    @Option(help: "Business seconds per wall second (env: MEDALLION_SIM_TIME_SCALE; default 3600; 1 is real time).")
    var timeScale: SettingText?

    @Option(help: "Concurrent connections (env: MEDALLION_SIM_CONNECTIONS; default 4).")
    var connections: SettingText?

    @Option(help: "Stop after this long, e.g. 30s (default: until SIGINT/SIGTERM).")
    var duration: SettingText?

    @Option(help: "Stop after creating this many orders and delivering them all.")
    var orders: SettingText?

    @Option(help: "Wall seconds before each status step, as min-max, instead of the branches' delivery times.")
    var delays: String?

    static let rateSetting = Setting<Double>.number("--rate", "MEDALLION_SIM_RATE", in: 0.001...100_000)
    static let branchesSetting = Setting<Int>.integer("--branches", "MEDALLION_SIM_BRANCHES", in: 1...10_000)
    static let timeScaleSetting = Setting<Double>.number("--time-scale", "MEDALLION_SIM_TIME_SCALE", in: 1...1_000_000)
    static let connectionsSetting = Setting<Int>.integer("--connections", "MEDALLION_SIM_CONNECTIONS", in: 1...256)
    static let durationSetting = Setting<Duration>.duration("--duration", nil, in: .milliseconds(1) ... .seconds(366 * 86_400))
    static let ordersSetting = Setting<Int>.integer("--orders", nil, in: 1...1_000_000_000)
    static let delaySetting = Setting<Double>.number("--delays", nil, in: 0...3600)

    func validate() throws {
        _ = try simulatorConfiguration()
    }

    /// The simulator's configuration from the flags and variables.
    func simulatorConfiguration() throws -> RetailSimulator.Configuration {
        var configuration = RetailSimulator.Configuration(dsn: global.resolvedDSN)
        configuration.rate = try Self.rateSetting.resolve(rate) ?? 20
        configuration.branches = try Self.branchesSetting.resolve(branches) ?? 8
        configuration.connections = try Self.connectionsSetting.resolve(connections) ?? 4
        configuration.timeScale = try Self.timeScaleSetting.resolve(timeScale) ?? 3600
        configuration.duration = try Self.durationSetting.resolve(duration)
        configuration.maxOrders = try Self.ordersSetting.resolve(orders)
        if let delays {
            let parts = delays.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ValidationError("--delays takes min-max seconds, e.g. 1-5.") }
            let low = try Self.delaySetting.resolve(SettingText(argument: String(parts[0]))) ?? 0
            let high = try Self.delaySetting.resolve(SettingText(argument: String(parts[1]))) ?? 0
            guard low <= high else { throw ValidationError("--delays takes min-max seconds with min <= max, e.g. 1-5.") }
            configuration.transitDelay = low...high
            configuration.deliveryDelay = low...high
        }
        return configuration
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try simulatorConfiguration()
            let logger = try global.logger("medallion.simulate")
            let simulator = RetailSimulator(configuration: configuration)
            let interactive = isatty(1) == 1
            let started = ContinuousClock.now
            let progress: @Sendable (SimulatorCounters.Snapshot) -> Void = { totals in
                let seconds = max(0.001, (ContinuousClock.now - started).secondsValue)
                let business = simulator.clock.map { " business time " + $0.time().formatted(.iso8601.year().month().day()
                    .time(includingFractionalSeconds: false).dateSeparator(.dash).timeSeparator(.colon).dateTimeSeparator(.space)) } ?? ""
                let line = String(format: "orders %d (%.1f/s)  transitions %d (%.1f/s)  delivered %d  open %d",
                                  totals.orders, Double(totals.orders) / seconds, totals.transitions,
                                  Double(totals.transitions) / seconds, totals.delivered, totals.open) + business
                if interactive {
                    FileHandle.standardOutput.write(Data("\r\(line)".utf8))
                } else {
                    print(line)
                }
            }
            let service = BlockingService(body: { try simulator.run(progress: progress) }, stop: simulator.stop)
            // SIGTERM/SIGINT stop the workers after their current transaction, as the
            // daemon's services stop; the group ends when the simulator does.
            var groupConfiguration = ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                                 failureTerminationBehavior: .gracefullyShutdownGroup)],
                logger: logger)
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
            try await ServiceGroup(configuration: groupConfiguration).run()
            let totals = simulator.totals
            print("\(interactive ? "\n" : "")simulate: done: \(totals.orders) orders, \(totals.transitions) status changes, \(totals.delivered) delivered")
        }
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
