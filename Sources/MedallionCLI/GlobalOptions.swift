import ArgumentParser
import CDC
import Foundation
import Lake
import Logging

/// Options shared by the subcommands, each with its environment-variable fallback.
struct GlobalOptions: ParsableArguments {
    @Option(help: "libpq connection string or URI (env: MEDALLION_DSN; PG* variables also apply).")
    var dsn: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env: MEDALLION_LOG_LEVEL; default info).")
    var logLevel: String?

    var resolvedDSN: String {
        dsn ?? environment("MEDALLION_DSN") ?? ""
    }

    func logger(_ label: String) throws -> Logger {
        let text = logLevel ?? environment("MEDALLION_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw CaptureError(.invalidInput, message: "Log level \(text) is not one of trace, debug, info, notice, warning, error.")
        }
        LoggingSetup.bootstrap(level: level)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// The lake location option (`--lake` / `MEDALLION_LAKE`).
struct LakeOptions: ParsableArguments {
    @Option(help: "Lake root: file:///abs/path or a directory (env: MEDALLION_LAKE).")
    var lake: String?

    /// Checks the `MEDALLION_HDFS_*` durations and numbers of a WebHDFS lake up front, so
    /// nonsense there is a usage error (exit status 64) like a bad flag.
    func validate() throws {
        let location = (lake ?? environment("MEDALLION_LAKE") ?? "").trimmingCharacters(in: .whitespaces)
        guard location.hasPrefix("webhdfs://") || location.hasPrefix("swebhdfs://") else { return }
        do {
            _ = try WebHDFSLake.Configuration(location: location, environment: ProcessInfo.processInfo.environment)
        } catch let error as LakeError where error.path.hasPrefix("MEDALLION_HDFS_") {
            throw ValidationError(error.message)
        } catch {
            // The location itself is reported when the command opens the lake.
        }
    }

    func open() throws -> any LakeStorage {
        let location = lake ?? environment("MEDALLION_LAKE") ?? ""
        return try LakeLocation.open(location, currentDirectory: FileManager.default.currentDirectoryPath)
    }
}

func environment(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}

/// Parses tables given on the command line, defaulting to the retail app's.
func parseTables(_ arguments: [String], default defaults: [TableName]? = TableName.retailDefaults) throws -> [TableName]? {
    arguments.isEmpty ? defaults : try arguments.map(TableName.init(parsing:))
}

/// Runs a command body, turning any error into one line on stderr and exit status 1;
/// a `ValidationError` is left to ArgumentParser (usage, exit status 64).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        throw reported(error)
    }
}

/// `reportingErrors` for the commands that run services.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        throw reported(error)
    }
}

/// Usage errors as they are (ArgumentParser prints them); any other error printed once,
/// then exit status 1.
private func reported(_ error: any Error) -> any Error {
    if error is ExitCode || error is ValidationError { return error }
    FileHandle.standardError.write(Data("medallion: error: \(error)\n".utf8))
    return ExitCode(1)
}

enum LoggingSetup {
    nonisolated(unsafe) private static var done = false

    static func bootstrap(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
