import ArgumentParser
import Foundation
import Lake
import Stages

struct RefreshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Run the silver and gold stages once, by hand; exit non-zero on failure.",
        discussion: """
            Silver consumes the bronze batches committed since its bookmark, then gold is \
            rebuilt and published under <lake>/gold/. With nothing new it is a cheap no-op. \
            --full rebuilds silver from every bronze batch. While the daemon's stage runner \
            writes silver and gold, waits for its run to end (up to --stage-timeout), then \
            gives up naming it.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var lakeOptions: LakeOptions
    @OptionGroup var stageOptions: StageOptions

    @Flag(help: "Rebuild silver from all of bronze instead of the batches since its bookmark.")
    var full = false

    func run() throws {
        try reportingErrors {
            let logger = try global.logger("medallion.stages")
            let kind = try stageOptions.kind()
            guard kind != .off else {
                throw ValidationError("refresh needs a runner: --stages local, submit or standalone.")
            }
            let configuration = try stageOptions.configuration(kind, lakeOptions: lakeOptions)
            let report = try StageService(configuration: configuration, logger: logger).runOnce(full: full)
            print("gold covers bronze batch \(report.bronzeBatch) (\(report.batches) new batches; "
                  + "spark start \(report.sparkStartMilliseconds) ms, silver \(report.silverMilliseconds) ms, "
                  + "gold \(report.goldMilliseconds) ms; log \(configuration.logPath))")
        }
    }
}

/// The stage runner's options, shared by `run` and `refresh`.
struct StageOptions: ParsableArguments {
    @Option(help: "How silver and gold run: local (a warm Spark driver), submit (one spark-submit per run), standalone (a Spark master's REST API) or off (env: MEDALLION_STAGES; default local).")
    var stages: String?

    @Option(help: "standalone: the Spark master's REST submission endpoint, spark://host:6066 (env: MEDALLION_SPARK_MASTER).")
    var sparkMaster: String?

    @Option(help: "Kill a stage run, or a Spark driver's start, that takes longer (env: MEDALLION_STAGE_TIMEOUT; default 3m).")
    var stageTimeout: SettingText?

    @Option(help: "local: kill a warm Spark driver's start that takes longer; a cold JVM on a busy machine can take minutes (env: MEDALLION_STAGE_START_TIMEOUT; default: the stage timeout).")
    var stageStartTimeout: SettingText?

    @Option(help: "The lake root as Spark sees it, when --lake is not a file:// location: hdfs://namenode:8020/path (env: MEDALLION_SPARK_LAKE).")
    var sparkLake: String?

    static let stageTimeoutSetting = Setting<Duration>.duration("--stage-timeout", "MEDALLION_STAGE_TIMEOUT", in: .seconds(1) ... .seconds(86_400))
    static let stageStartTimeoutSetting = Setting<Duration>.duration("--stage-start-timeout", "MEDALLION_STAGE_START_TIMEOUT", in: .seconds(1) ... .seconds(86_400))

    func validate() throws {
        _ = try Self.stageTimeoutSetting.resolve(stageTimeout)
        _ = try Self.stageStartTimeoutSetting.resolve(stageStartTimeout)
    }

    func kind() throws -> StageRunnerKind {
        try StageRunnerKind(parsing: stages ?? environment("MEDALLION_STAGES") ?? "local")
    }

    func configuration(_ kind: StageRunnerKind, lakeOptions: LakeOptions) throws -> StageConfiguration {
        let location = lakeOptions.lake ?? environment("MEDALLION_LAKE") ?? ""
        let lake = try LakeLocation.open(location, currentDirectory: FileManager.default.currentDirectoryPath)
        var configuration = StageConfiguration(lakeURI: try sparkLakeURI(location), runner: kind)
        configuration.lake = lake
        configuration.sparkMaster = sparkMaster ?? environment("MEDALLION_SPARK_MASTER")
        if kind == .standalone && configuration.sparkMaster == nil {
            throw ValidationError("--stages standalone needs --spark-master (or MEDALLION_SPARK_MASTER), e.g. spark://master:6066.")
        }
        if let timeout = try Self.stageTimeoutSetting.resolve(stageTimeout) {
            configuration.timeout = timeout
        }
        configuration.startTimeout = try Self.stageStartTimeoutSetting.resolve(stageStartTimeout)
        return configuration
    }

    /// `--spark-lake`, else the file:// form of a local lake location.
    private func sparkLakeURI(_ location: String) throws -> String {
        if let explicit = sparkLake ?? environment("MEDALLION_SPARK_LAKE") { return explicit }
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("file://") { return trimmed }
        if trimmed.contains("://") {
            throw ValidationError("Spark cannot read the lake \(trimmed) as given; set --spark-lake (or MEDALLION_SPARK_LAKE) to its hdfs:// URI.")
        }
        let absolute = trimmed.hasPrefix("/") ? trimmed : FileManager.default.currentDirectoryPath + "/" + trimmed
        return "file://" + absolute
    }
}
