import ArgumentParser
import CDC
import Foundation
import Retail

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the retail app: create orders and move them NEW → INTRANSIT → DELIVERED.",
        discussion: "Several connections write at once, so transactions commit out of id order. Prints a live line of rates."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "New orders per second (env: MEDALLION_SIM_RATE; default 20).")
    var rate: Double?

    @Option(help: "Number of branches (env: MEDALLION_SIM_BRANCHES; default 8).")
    var branches: Int?

    @Option(help: "Concurrent connections (env: MEDALLION_SIM_CONNECTIONS; default 4).")
    var connections: Int?

    @Option(help: "Stop after this long, e.g. 30s (default: until SIGINT/SIGTERM).")
    var duration: DurationOption?

    @Option(help: "Stop after creating this many orders and delivering them all.")
    var orders: Int?

    @Option(help: "Seconds before each status step, as min-max (default 1-5 then 1-10).")
    var delays: String?

    func run() throws {
        try reportingErrors {
            var configuration = RetailSimulator.Configuration(dsn: global.resolvedDSN)
            configuration.rate = rate ?? environment("MEDALLION_SIM_RATE").flatMap(Double.init) ?? 20
            configuration.branches = branches ?? environment("MEDALLION_SIM_BRANCHES").flatMap(Int.init) ?? 8
            configuration.connections = connections ?? environment("MEDALLION_SIM_CONNECTIONS").flatMap(Int.init) ?? 4
            guard configuration.rate > 0, configuration.branches > 0, configuration.connections > 0 else {
                throw ValidationError("--rate, --branches and --connections must be positive.")
            }
            configuration.duration = duration?.duration
            configuration.maxOrders = orders
            if let delays {
                let parts = delays.split(separator: "-").compactMap { Double($0) }
                guard parts.count == 2, parts[0] >= 0, parts[0] <= parts[1] else {
                    throw ValidationError("--delays takes min-max seconds, e.g. 1-5.")
                }
                configuration.transitDelay = parts[0]...parts[1]
                configuration.deliveryDelay = parts[0]...parts[1]
            }
            let simulator = RetailSimulator(configuration: configuration)
            let signals = ShutdownSignals { _ in simulator.stop() }
            let interactive = isatty(1) == 1
            let started = ContinuousClock.now
            try simulator.run { totals in
                let seconds = max(0.001, (ContinuousClock.now - started).secondsValue)
                let line = String(format: "orders %d (%.1f/s)  transitions %d (%.1f/s)  delivered %d  open %d",
                                  totals.orders, Double(totals.orders) / seconds, totals.transitions,
                                  Double(totals.transitions) / seconds, totals.delivered, totals.open)
                if interactive {
                    FileHandle.standardOutput.write(Data("\r\(line)".utf8))
                } else {
                    print(line)
                }
            }
            let totals = simulator.totals
            print("\(interactive ? "\n" : "")simulate: done: \(totals.orders) orders, \(totals.transitions) status changes, \(totals.delivered) delivered")
            withExtendedLifetime(signals) {}
        }
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
