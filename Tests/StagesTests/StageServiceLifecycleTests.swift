import Foundation
import Lake
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import Stages

/// The stage service as a `Service` in a `ServiceGroup`, and the status file it keeps,
/// with a scripted runner (no Spark).
@Suite struct StageServiceLifecycleTests {
    @Test func statusFileRecordsEachRun() throws {
        let directory = try Repository.temporaryDirectory("medallion-stage-status")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = ScriptedRunner()
        var configuration = StageServiceTests.configuration()
        configuration.logDirectory = directory
        configuration.initialBackoff = .seconds(30)  // the retry stays pending while the test looks
        let recorder = RunRecorder()
        let service = StageService(configuration: configuration, runner: runner, logger: Logger(label: "test"), onRun: recorder.callback)
        service.start()
        defer { service.stop() }

        service.requestRefresh()
        try runner.awaitStarted(1)
        // The service writes the file before it hands the run to the runner, and again
        // before it reports the run's end.
        #expect(try StageStatus.load(fromDirectory: directory)?.state == "running")
        runner.finish(.success)
        _ = try recorder.await(1, timeout: 60)
        let succeeded = try #require(try StageStatus.load(fromDirectory: directory))
        #expect(succeeded.runs == 1)
        #expect(succeeded.state == "idle")
        #expect(succeeded.lastRunOutcome == "succeeded")
        #expect(succeeded.bronzeBatch == 1)
        #expect((succeeded.lastRunDurationSeconds ?? -1) >= 0)
        #expect(succeeded.lastRunAt != nil)
        #expect(succeeded.updatedAt != nil)

        service.requestRefresh()
        try runner.awaitStarted(2)
        runner.finish(.failure(StageError(.timeout, message: "The stage run took longer than 3m and was killed.")))
        _ = try recorder.await(2, timeout: 60)
        let failed = try #require(try StageStatus.load(fromDirectory: directory))
        #expect(failed.runs == 2)
        #expect(failed.state == "retrying")
        #expect(failed.lastRunOutcome == "failed")
        #expect(failed.consecutiveFailures == 1)
        #expect(failed.lastError == "The stage run took longer than 3m and was killed.")
        let overview = StageOverview.read(logDirectory: directory, lake: MemoryLake(), configuredRunner: .local, daemonRunning: false)
        #expect(overview.state == "failed")
    }

    @Test func aRequestMadeBeforeTheDriverIsReadyShowsAsRunning() throws {
        let directory = try Repository.temporaryDirectory("medallion-stage-status")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = GatedStartRunner()
        var configuration = StageServiceTests.configuration()
        configuration.logDirectory = directory
        let service = StageService(configuration: configuration, runner: runner, logger: Logger(label: "test"))
        service.requestRefresh()  // what the daemon does before the group starts
        service.start()
        defer { service.stop() }
        try runner.awaitPreparing()  // the file is written before the driver's start
        #expect(try StageStatus.load(fromDirectory: directory)?.state == "running")
        #expect(runner.scripted.started == 0, "the driver is still starting")
        runner.open()
        try runner.scripted.awaitStarted(1)
        runner.scripted.finish(.success)
        try runner.scripted.awaitIdle(service)
    }

    @Test func gracefulShutdownEndsTheRunInFlight() async throws {
        let directory = try Repository.temporaryDirectory("medallion-stage-service")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = ScriptedRunner()
        var configuration = StageServiceTests.configuration()
        configuration.logDirectory = directory
        let service = StageService(configuration: configuration, runner: runner, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        service.requestRefresh()
        let running = Task { try await group.run() }
        // Waited for off the cooperative pool, which the group's own tasks need.
        try await offPool { try runner.awaitStarted(1) }

        // The scripted run never finishes by itself: only stopping the runner ends it.
        let clock = ContinuousClock()
        let start = clock.now
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(clock.now - start < .seconds(10))
        #expect(service.status.state == "stopped")
        #expect(service.status.runs == 0, "a run ended by shutdown is not counted")
        let written = try #require(try StageStatus.load(fromDirectory: directory))
        #expect(written.state == "stopped")
        #expect(written.lastRunOutcome == "cancelled")
        #expect(written.failures == 0)
        service.requestRefresh()  // after shutdown: nothing starts
        #expect(runner.started == 1)
    }
}

/// A scripted runner whose warm-driver start (`prepare`) waits until the test opens it.
final class GatedStartRunner: StageJobRunner, @unchecked Sendable {
    let scripted = ScriptedRunner()
    private let gate = DispatchSemaphore(value: 0)
    private let preparing = DispatchSemaphore(value: 0)

    func open() { gate.signal() }
    func prepare() {
        preparing.signal()
        gate.wait()
    }

    /// Waits until the service has begun the driver's start.
    func awaitPreparing() throws {
        guard preparing.wait(timeout: .now() + 60) == .success else { throw HarnessError("the service never started the driver") }
    }
    var driverState: String { scripted.driverState }
    func shutdown() {
        gate.signal()
        scripted.shutdown()
    }
    func run(id: Int, full: Bool) throws(StageError) -> StageRunReport { try scripted.run(id: id, full: full) }
}
