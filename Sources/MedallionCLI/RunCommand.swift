import ArgumentParser
import CDC
import Foundation
import Logging
import Observability
import Parquet
import ServiceLifecycle
import Stages

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Stream captured changes into bronze until stopped (SIGINT/SIGTERM).",
        discussion: """
            Catches up from the bookmark in the lake, then LISTENs for changes, gathers each \
            batch for up to --max-delay and writes it as Parquet under \
            <lake>/bronze/<table>/date=YYYY-MM-DD/. Reconnects with backoff when the \
            database goes away. After each committed batch the silver and gold Spark \
            stages run (--stages); capture never waits for them.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions
    @OptionGroup var stageOptions: StageOptions
    @OptionGroup var compactionOptions: CompactionOptions

    @Argument(help: "Tables to capture (default: every table with capture installed).")
    var tables: [String] = []

    @Option(help: "How long to gather a batch after a wake-up; the read cadence while busy (env: MEDALLION_MAX_DELAY; default 100ms).")
    var maxDelay: SettingText?

    @Option(help: "At most this many rows per batch (env: MEDALLION_MAX_ROWS; default 100000).")
    var maxRows: SettingText?

    @Option(help: "At most about this many bytes of captured rows per batch, e.g. 64MiB, 500MB or a number of bytes (env: MEDALLION_MAX_BATCH_BYTES; default 64MiB).")
    var maxBatchBytes: String?

    @Option(help: "Slow safety poll while idle (env: MEDALLION_POLL_INTERVAL; default 5s).")
    var pollInterval: SettingText?

    @Option(help: "How often to look for closed bronze partitions to compact, or off (env: MEDALLION_COMPACT_INTERVAL; default 10m).")
    var compactInterval: SettingText?

    @Option(help: "Parquet compression: zstd, snappy or none (env: MEDALLION_COMPRESSION; default zstd).")
    var compression: String?

    @Option(help: "host:port for /metrics, /healthz and /readyz, or off (env: MEDALLION_METRICS_ADDRESS; default 127.0.0.1:9464).")
    var metricsAddress: String?

    static let maxDelaySetting = Setting<Duration>.duration("--max-delay", "MEDALLION_MAX_DELAY", in: .milliseconds(1) ... .seconds(3600))
    static let maxRowsSetting = Setting<Int>.integer("--max-rows", "MEDALLION_MAX_ROWS", in: 1...100_000_000)
    static let compactIntervalSetting = Setting<Duration>.duration("--compact-interval", "MEDALLION_COMPACT_INTERVAL", in: .seconds(1) ... .seconds(86_400))
    // Not zero: the idle poll would spin.
    static let pollIntervalSetting = Setting<Duration>.duration("--poll-interval", "MEDALLION_POLL_INTERVAL", in: .milliseconds(10) ... .seconds(86_400))

    func validate() throws {
        _ = try Self.maxDelaySetting.resolve(maxDelay)
        _ = try Self.maxRowsSetting.resolve(maxRows)
        _ = try Self.pollIntervalSetting.resolve(pollInterval)
        _ = try compactionInterval()
        if let text = maxBatchBytes ?? environment("MEDALLION_MAX_BATCH_BYTES") { _ = try Self.parseBytes(text) }
    }

    func run() async throws {
        try await reportingErrors {
            let logger = try global.logger("medallion.capture")
            var configuration = CaptureDaemon.Configuration(dsn: global.resolvedDSN, lake: try lakeOptions.open())
            configuration.tables = try parseTables(tables, default: nil)
            if let delay = try Self.maxDelaySetting.resolve(maxDelay) {
                configuration.maxDelay = delay
            }
            if let rows = try Self.maxRowsSetting.resolve(maxRows) {
                configuration.maxRows = rows
            }
            if let text = maxBatchBytes ?? environment("MEDALLION_MAX_BATCH_BYTES") {
                configuration.maxBatchBytes = try Self.parseBytes(text)
            }
            if let interval = try Self.pollIntervalSetting.resolve(pollInterval) {
                configuration.pollInterval = interval
            }
            configuration.compaction = try compactionOptions.settings()
            configuration.compaction.interval = try compactionInterval()
            configuration.compaction.silverConsumes = try stageOptions.kind() != .off
            configuration.compression = try Self.parseCompression(compression ?? environment("MEDALLION_COMPRESSION") ?? "zstd")
            configuration.fault = try FaultInjector(environment: environment("MEDALLION_FAULT"))

            let address = metricsAddress ?? environment("MEDALLION_METRICS_ADDRESS") ?? "127.0.0.1:9464"
            let endpoint = address == "off" ? nil : try MetricsServer.parseAddress(address).orThrow(
                ValidationError("--metrics-address \(address) is not host:port (or off)."))
            let registry = MetricsServer.bootstrapMetrics(longTimers: [StageMetrics.runDurationLabel])

            let stages = try makeStageService()
            // The hook runs on the capture thread: it only records the request.
            let daemon = CaptureDaemon(configuration: configuration, logger: logger) { _ in stages?.requestRefresh() }
            try daemon.preflight()
            stages?.requestRefresh()  // catch gold up with what bronze already holds

            // Stages, the metrics endpoint and capture as services. On SIGTERM/SIGINT the
            // group shuts them down in reverse order: capture first, after its current step
            // (never mid-commit), then the endpoint, then the stage runner (a run in flight
            // is ended; the next start redoes it). When capture ends, the group ends.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if let stages {
                services.append(.init(service: stages, failureTerminationBehavior: .gracefullyShutdownGroup))
            }
            if let endpoint {
                let server = MetricsServer(host: endpoint.host, port: endpoint.port, registry: registry,
                                           isReady: { daemon.isReady }, beforeScrape: { stages?.publishGoldAge() })
                services.append(.init(service: server.application()))
            }
            services.append(.init(service: daemon,
                                  successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(60)
            let group = ServiceGroup(configuration: groupConfiguration)
            try await group.run()
        }
    }

    /// `--compact-interval`, where `off` turns compaction off.
    private func compactionInterval() throws -> Duration? {
        let text = compactInterval?.text ?? environment("MEDALLION_COMPACT_INTERVAL")
        if text?.lowercased() == "off" { return nil }
        return try Self.compactIntervalSetting.resolve(compactInterval) ?? .seconds(600)
    }

    /// The stage runner `--stages` asks for, or `nil` when it is off.
    private func makeStageService() throws -> StageService? {
        let kind = try stageOptions.kind()
        guard kind != .off else { return nil }
        let configuration = try stageOptions.configuration(kind, lakeOptions: lakeOptions)
        return try StageService(configuration: configuration, logger: try global.logger("medallion.stages"))
    }

    /// `65536`, `64KiB`, `64MiB`, `1GiB`, `500MB`, `1GB`: between 1 MiB and 16 GiB.
    static func parseBytes(_ text: String, flag: String = "--max-batch-bytes") throws -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000),
                                      ("MB", 1_000_000), ("KB", 1_000), ("B", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let (number, unit) = units.first { trimmed.hasSuffix($0.0) }.map { (String(trimmed.dropLast($0.0.count)), $0.1) } ?? (trimmed, 1)
        let digits = number.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let value = Int(digits), value > 0,
              value <= (16 << 30) / unit, value * unit >= 1 << 20 else {
            throw ValidationError("\(flag) \(text) is not a size between 1MiB and 16GiB (e.g. 64MiB).")
        }
        return value * unit
    }

    static func parseCompression(_ text: String) throws -> ParquetCompression {
        switch text.lowercased() {
        case "zstd": return .zstd(level: 3)
        case "snappy": return .snappy
        case "none", "uncompressed": return .uncompressed
        default: throw ValidationError("Compression \(text) is not one of zstd, snappy, none.")
        }
    }
}
