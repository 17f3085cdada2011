import Testing
@testable import CDC

@Suite("Idle state machine")
struct IdleStateMachineTests {
    @Test("busy reads at the max-delay cadence, and at once while batches are full")
    func busy() {
        var machine = IdleStateMachine()
        #expect(machine.read(rows: 10, watermark: 5, full: false) == .readAfterDelay)
        #expect(machine.read(rows: 100, watermark: 5, full: true) == .readNow)
        #expect(machine.state == .busy)
    }

    @Test("going idle: set the flag, fence, and sleep only after an empty read past the fence")
    func goingIdle() {
        var machine = IdleStateMachine()
        #expect(machine.read(rows: 0, watermark: 10, full: false) == .setIdleFlag)
        #expect(machine.fenced(20) == .readNow)
        #expect(machine.state == .goingIdle(fence: 20))
        // A transaction below the fence is still running: keep reading.
        #expect(machine.read(rows: 0, watermark: 20, full: false) == .readAfterDelay)
        #expect(machine.read(rows: 0, watermark: 21, full: false) == .waitForNotification)
        #expect(machine.state == .idle)
    }

    @Test("rows found while going idle or idle set the busy flag again")
    func rowsWhileIdle() {
        var machine = IdleStateMachine()
        _ = machine.read(rows: 0, watermark: 10, full: false)
        _ = machine.fenced(20)
        #expect(machine.read(rows: 3, watermark: 21, full: false) == .setBusyFlagThenReadAfterDelay)
        #expect(machine.state == .busy)
        _ = machine.read(rows: 0, watermark: 30, full: false)
        _ = machine.fenced(31)
        _ = machine.read(rows: 0, watermark: 32, full: false)
        #expect(machine.pollTimerFired() == .readNow)
        #expect(machine.read(rows: 0, watermark: 33, full: false) == .waitForNotification)
        #expect(machine.notified() == .setBusyFlagThenReadAfterDelay)
        #expect(machine.state == .busy)
    }
}
