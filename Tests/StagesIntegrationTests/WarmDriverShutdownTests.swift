import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import Stages

/// Stopping the `local` runner while its Spark driver is still starting is a shutdown,
/// not a failure: nothing is logged as an error.
@Suite struct WarmDriverShutdownTests {
    @Test func shutdownDuringDriverStartIsNotAnError() throws {
        let work = try Repository.temporaryDirectory("medallion-warm-stop")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A driver that starts and never connects back, as a slow JVM would look.
        let fake = work + "/spark-submit"
        try "#!/bin/sh\nexec tail -f /dev/null\n".write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        var configuration = StageConfiguration(lakeURI: "file://" + work + "/lake", runner: .local)
        configuration.sparkSubmit = fake
        configuration.jobsDirectory = Repository.root + "/spark-jobs"
        configuration.logDirectory = work
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
