import Testing
@testable import Stages

@Suite struct StageStateMachineTests {
    @Test func firstRequestStartsARun() {
        var machine = StageStateMachine()
        #expect(machine.refreshRequested() == .startRun)
        #expect(machine.state == .running(followUp: false, failures: 0))
        #expect(machine.runSucceeded() == .none)
        #expect(machine.state == .idle)
    }

    @Test func requestsDuringARunCollapseIntoOneFollowUp() {
        var machine = StageStateMachine()
        #expect(machine.refreshRequested() == .startRun)
        for _ in 0..<50 { #expect(machine.refreshRequested() == .none) }
        #expect(machine.runSucceeded() == .startRun)
        #expect(machine.state == .running(followUp: false, failures: 0))
        #expect(machine.runSucceeded() == .none)
        #expect(machine.state == .idle)
    }

    @Test func failedRunsRetryWithDoublingBackoff() {
        var machine = StageStateMachine(initialBackoff: .seconds(1), maxBackoff: .seconds(5))
        #expect(machine.refreshRequested() == .startRun)
        #expect(machine.runFailed() == .scheduleRetry(after: .seconds(1)))
        #expect(machine.refreshRequested() == .none)  // the retry covers it
        #expect(machine.retryTimerFired() == .startRun)
        #expect(machine.runFailed() == .scheduleRetry(after: .seconds(2)))
        #expect(machine.retryTimerFired() == .startRun)
        #expect(machine.runFailed() == .scheduleRetry(after: .seconds(4)))
        #expect(machine.retryTimerFired() == .startRun)
        #expect(machine.runFailed() == .scheduleRetry(after: .seconds(5)))
        #expect(machine.retryTimerFired() == .startRun)
        #expect(machine.runSucceeded() == .none)
        #expect(machine.state == .idle)
        // A success resets the backoff.
        #expect(machine.refreshRequested() == .startRun)
        #expect(machine.runFailed() == .scheduleRetry(after: .seconds(1)))
    }

    @Test func aRetryThatSucceedsWithAPendingRequestRunsOnce() {
        var machine = StageStateMachine()
        _ = machine.refreshRequested()
        _ = machine.runFailed()
        _ = machine.retryTimerFired()
        #expect(machine.refreshRequested() == .none)
        #expect(machine.runSucceeded() == .startRun)
        #expect(machine.runSucceeded() == .none)
    }

    @Test func stopCancelsWhateverIsPending() {
        var running = StageStateMachine()
        _ = running.refreshRequested()
        #expect(running.stop() == .cancelRun)
        #expect(running.refreshRequested() == .none)
        #expect(running.runSucceeded() == .none)

        var retrying = StageStateMachine()
        _ = retrying.refreshRequested()
        _ = retrying.runFailed()
        #expect(retrying.stop() == .cancelRetry)
        #expect(retrying.retryTimerFired() == .none)

        var idle = StageStateMachine()
        #expect(idle.stop() == .none)
        #expect(idle.state == .stopped)
    }
}
