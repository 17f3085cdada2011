import Foundation
import LakeContract
import Lake

/// The stage runner as `medallion status` shows it: the state the daemon's stage service
/// last recorded (`medallion-stages-status.json`), read in the light of whether a daemon
/// is running, and what gold's marker in the lake says.
public struct StageOverview: Sendable, Codable, Equatable {
    /// `local`, `submit`, `standalone`, or `off`.
    public var runner: String
    /// `idle` (waiting for the next batch), `running` (a run in flight), `retrying` (the
    /// last run failed; a retry is scheduled), `failed` (no daemon runs and its last run
    /// failed) or `off` (no stage runner runs).
    public var state: String
    /// The Spark driver's state as last recorded.
    public var driver: String?
    public var runs: Int
    public var failures: Int
    public var consecutiveFailures: Int
    /// `succeeded`, `failed` or `cancelled` (by shutdown); when it finished (ISO 8601) and how long it took.
    public var lastRunOutcome: String?
    public var lastRunAt: String?
    public var lastRunDurationSeconds: Double?
    public var lastError: String?
    public var lastErrorAt: String?
    /// When gold was produced, how many seconds ago, and the last bronze batch it covers
    /// (from `gold/_marker.json`; `nil` before the first gold run).
    public var goldProducedAt: String?
    public var goldAgeSeconds: Double?
    public var goldBronzeBatch: UInt64?
    /// Why gold's marker could not be read, when it could not.
    public var goldError: String?
    /// The status file read and the driver's log.
    public var statusFile: String
    public var log: String?

    /// Gathers the overview.
    /// - Parameters:
    ///   - logDirectory: `MEDALLION_STAGE_LOG_DIR` of the daemon (where it writes its status).
    ///   - configuredRunner: the runner to name when no status was ever written.
    ///   - daemonRunning: whether a daemon holds the lake's lease; without one, a recorded
    ///     `idle`/`running` state is stale.
    public static func read(logDirectory: String, lake: any LakeStorage, configuredRunner: StageRunnerKind,
                            daemonRunning: Bool, now: Date = Date()) -> StageOverview {
        let statusFile = "\(logDirectory)/\(StageStatus.fileName)"
        var overview = StageOverview(runner: configuredRunner.rawValue, state: "off", runs: 0, failures: 0,
                                     consecutiveFailures: 0, statusFile: statusFile)
        do {
            if let status = try StageStatus.load(fromDirectory: logDirectory) {
                overview.apply(status, daemonRunning: daemonRunning)
            }
        } catch {
            overview.lastError = error.message
        }
        do {
            if let marker = try GoldMarker.read(from: lake) {
                overview.goldProducedAt = marker.producedAt.formatted(.iso8601.year().month().day()
                    .time(includingFractionalSeconds: true).timeZone(separator: .omitted))
                overview.goldAgeSeconds = max(0, now.timeIntervalSince(marker.producedAt))
                overview.goldBronzeBatch = marker.bronzeBatch
            }
        } catch {
            overview.goldError = error.message
        }
        return overview
    }

    /// Takes over what the service recorded.
    mutating func apply(_ status: StageStatus, daemonRunning: Bool) {
        runner = status.runner
        driver = status.driver
        runs = status.runs
        failures = status.failures
        consecutiveFailures = status.consecutiveFailures
        lastRunOutcome = status.lastRunOutcome
        lastRunAt = status.lastRunAt
        lastRunDurationSeconds = status.lastRunDurationSeconds
        lastError = status.lastError
        lastErrorAt = status.lastErrorAt
        log = status.log
        state = Self.state(recorded: status.state, lastRunFailed: status.consecutiveFailures > 0, daemonRunning: daemonRunning)
    }

    /// The state to show for a recorded one.
    static func state(recorded: String, lastRunFailed: Bool, daemonRunning: Bool) -> String {
        if !daemonRunning || recorded == "stopped" {
            return lastRunFailed ? "failed" : "off"
        }
        switch recorded {
        case "idle", "running", "retrying": return recorded
        default: return "off"
        }
    }
}
