import Foundation
import Logging
import Testing
import TestSupport
@testable import Stages

/// The service's thread and coalescing with a scripted runner (no Spark): a run blocks
/// until the test lets it finish, so the test controls exactly what is in flight.
@Suite struct StageServiceTests {
    @Test func commitsDuringOneRunProduceExactlyOneFollowUp() throws {
        let runner = ScriptedRunner()
        let service = StageService(configuration: Self.configuration(), runner: runner, logger: Logger(label: "test"))
        service.start()
        defer { service.stop() }

        service.requestRefresh()
        try runner.awaitStarted(1)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<100 { service.requestRefresh() }  // what the capture thread does per commit
        }
        #expect(elapsed < .milliseconds(500), "requests must never wait for a run")
        runner.finish(.success)
        try runner.awaitStarted(2)
        runner.finish(.success)
        try runner.awaitFinished(2)
        try runner.awaitIdle(service)
        #expect(runner.started == 2)
        #expect(service.status.runs == 2)
    }

    @Test func aFailedRunIsRetriedAndReported() throws {
        let runner = ScriptedRunner()
        var configuration = Self.configuration()
        configuration.initialBackoff = .milliseconds(20)
        let service = StageService(configuration: configuration, runner: runner, logger: Logger(label: "test"))
        service.start()
        defer { service.stop() }

        service.requestRefresh()
        try runner.awaitStarted(1)
        runner.finish(.failure(StageError(.driverDied, message: "The Spark driver exited with status 137.")))
        try runner.awaitStarted(2)  // the retry, without any new request
        let failed = service.status
        #expect(failed.failures == 1)
        #expect(failed.consecutiveFailures == 1)
        #expect(failed.lastError == "The Spark driver exited with status 137.")
        #expect(failed.driver == "scripted")
        runner.finish(.success)
        try runner.awaitFinished(2)
        try runner.awaitIdle(service)
        #expect(service.status.consecutiveFailures == 0)
        #expect(service.status.bronzeBatch == 2)
    }

    @Test func stopEndsARetryBackoffAtOnce() throws {
        let runner = ScriptedRunner()
        var configuration = Self.configuration()
        configuration.initialBackoff = .seconds(600)
        configuration.maxBackoff = .seconds(600)
        let service = StageService(configuration: configuration, runner: runner, logger: Logger(label: "test"))
        service.start()

        service.requestRefresh()
        try runner.awaitStarted(1)
        runner.finish(.failure(StageError(.driverDied, message: "The Spark driver exited with status 137.")))
        try runner.awaitState(service, "retrying")
        service.requestRefresh()  // covered by the retry: it neither runs nor ends the wait
        // stop() blocks for the whole backoff unless it ends the wait; 30 s tells a hang.
        let stopped = DispatchSemaphore(value: 0)
        Thread { service.stop(); stopped.signal() }.start()
        #expect(stopped.wait(timeout: .now() + 30) == .success, "stop() waited for the retry's backoff")
        #expect(runner.started == 1)
        #expect(service.status.state == "stopped")
    }

    static func configuration() -> StageConfiguration {
        var configuration = StageConfiguration(lakeURI: "file:///nonexistent", runner: .local)
        // A directory of its own: the service writes medallion-stages-status.json there.
        let directory = parentDirectory + "/" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        configuration.logDirectory = directory
        return configuration
    }

    /// Holds each service's directory; removed when the test process exits.
    private static let parentDirectory: String = {
        guard let directory = try? Repository.temporaryDirectory("medallion-stage-service") else { return NSTemporaryDirectory() }
        atexit { try? FileManager.default.removeItem(atPath: StageServiceTests.parentDirectory) }
        return directory
    }()
}

/// A runner whose runs block until `finish` is called.
final class ScriptedRunner: StageJobRunner, @unchecked Sendable {
    enum Outcome { case success, failure(StageError) }
    private let condition = NSCondition()
    private var outcomes: [Outcome] = []
    private(set) var started = 0
    private var finished = 0

    func prepare() {}
    var driverState: String { "scripted" }
    func shutdown() { condition.withLock { outcomes.append(.failure(StageError(.driverDied, message: "stopped"))); condition.broadcast() } }

    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport {
        let outcome = condition.withLock {
            started += 1
            condition.broadcast()
            while outcomes.isEmpty { condition.wait() }
            return outcomes.removeFirst()
        }
        defer { condition.withLock { finished += 1; condition.broadcast() } }
        switch outcome {
        case .success:
            return StageRunReport(bronzeBatch: UInt64(id), batches: 1, silverMilliseconds: 1, goldMilliseconds: 1, jobMilliseconds: 2)
        case .failure(let error):
            throw error
        }
    }

    func finish(_ outcome: Outcome) {
        condition.withLock { outcomes.append(outcome); condition.broadcast() }
    }

    func awaitStarted(_ count: Int) throws { try wait { started >= count } }
    func awaitFinished(_ count: Int) throws { try wait { finished >= count } }
    func awaitIdle(_ service: StageService) throws { try awaitState(service, "idle") }
    func awaitState(_ service: StageService, _ state: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while service.status.state != state {
            guard Date() < deadline else { throw StageError(.timeout, message: "service did not become \(state)") }
            condition.withLock { _ = condition.wait(until: Date().addingTimeInterval(0.01)) }
        }
    }

    private func wait(_ predicate: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(10)
        condition.lock()
        defer { condition.unlock() }
        while !predicate() {
            guard condition.wait(until: deadline) else { throw StageError(.timeout, message: "scripted runner: condition not met") }
        }
    }
}
