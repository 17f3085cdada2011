import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Stages

/// Stopping the `local` runner while its Spark driver is still starting is a shutdown,
/// not a failure: nothing is logged as an error. A start has a timeout of its own.
@Suite struct WarmDriverShutdownTests {
    /// A `local` configuration whose spark-submit starts and never connects back, as a
    /// slow JVM would look.
    static func neverConnecting(in work: String) throws -> StageConfiguration {
        let fake = work + "/spark-submit"
        try "#!/bin/sh\nexec tail -f /dev/null\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        var configuration = StageConfiguration(lakeURI: "file://" + work + "/lake", runner: .local)
        configuration.sparkSubmit = fake
        configuration.jobsDirectory = Repository.root + "/spark-jobs"
        configuration.logDirectory = work
        return configuration
    }

    @Test func shutdownDuringDriverStartIsNotAnError() throws {
        let work = try Repository.temporaryDirectory("medallion-warm-stop")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let configuration = try Self.neverConnecting(in: work)
        let records = LogRecords()
        let logger = Logger(label: "test.warm-stop") { _ in records.handler() }
        let runner = WarmDriverRunner(configuration: configuration, logger: logger)

        let prepared = DispatchSemaphore(value: 0)
        Thread {
            runner.prepare()
            prepared.signal()
        }.start()
        try Poll.until("the driver to be starting") { runner.driverState.hasPrefix("starting") }
        runner.shutdown()
        #expect(prepared.wait(timeout: .now() + 30) == .success, "prepare returns once the driver is stopped")

        #expect(runner.driverState == "stopped")
        #expect(records.all.filter { $0.level >= .warning }.isEmpty, "\(records.all)")
        #expect(records.all.contains { $0.message.contains("start abandoned") }, "\(records.all)")
    }

    /// The start timeout, not the run timeout, bounds a driver's start, either way round:
    /// a long start allowed where runs are short, a short one where runs are long.
    @Test(arguments: [(run: 1, start: 600), (run: 600, start: 1)])
    func aDriverStartHasItsOwnTimeout(_ timeouts: (run: Int, start: Int)) throws {
        let work = try Repository.temporaryDirectory("medallion-warm-start")
        defer { try? FileManager.default.removeItem(atPath: work) }
        var configuration = try Self.neverConnecting(in: work)
        configuration.timeout = .seconds(timeouts.run)
        configuration.startTimeout = .seconds(timeouts.start)
        let runner = WarmDriverRunner(configuration: configuration, logger: Logger(label: "test.warm-start"))
        defer { runner.shutdown() }
        let outcome = Mutex<String?>(nil)
        Thread {
            do throws(StageError) {
                _ = try runner.run(id: 1, full: false)
                outcome.withLock { $0 = "a run" }
            } catch {
                outcome.withLock { $0 = error.message }
            }
        }.start()
        if timeouts.start > timeouts.run {
            // Past the run timeout the driver is still allowed to start. What is checked is
            // that nothing happens (the failure the run timeout would bring): there is no
            // event to await, so the test waits the run timeout out, plus a margin.
            try Poll.until("the driver to be starting") { runner.driverState.hasPrefix("starting") }
            let pid = try #require(runner.driverPID)
            Thread.sleep(forTimeInterval: Double(timeouts.run) + 2)
            #expect(outcome.withLock { $0 } == nil, "the start was given up at the run timeout")
            #expect(runner.driverPID == pid && runner.driverState.hasPrefix("starting"), "\(runner.driverState)")
        } else {
            try Poll.until("the start to time out", timeout: 60) { outcome.withLock { $0 } != nil }
            let message = try #require(outcome.withLock { $0 })
            #expect(message.contains("did not start within 1.0 seconds"), "\(message)")
        }
    }
}

/// Collects log records for assertions.
final class LogRecords: Sendable {
    struct Record: Sendable, CustomStringConvertible {
        var level: Logger.Level
        var message: String
        var description: String { "\(level): \(message)" }
    }

    private let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }

    func handler() -> Handler { Handler(owner: self) }

    fileprivate func append(_ record: Record) { records.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let owner: LogRecords
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            owner.append(Record(level: event.level, message: "\(event.message)"))
        }
    }
}
