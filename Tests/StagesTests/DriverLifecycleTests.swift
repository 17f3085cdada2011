import Testing
@testable import Stages

/// The warm driver's lifecycle without a driver: what `status` shows, what a failed start
/// means, and that nothing brings a stopped runner back.
@Suite struct DriverLifecycleTests {
    @Test func aDriverStartsThenServes() {
        var lifecycle = DriverLifecycle()
        #expect(lifecycle.description == "not started" && lifecycle.mayStart)
        let spawned = lifecycle.starting(pid: 41)
        #expect(spawned && lifecycle.description == "starting (pid 41)")
        let ready = lifecycle.ready(pid: 41)
        #expect(ready && lifecycle.state == .warm(pid: 41) && lifecycle.description == "warm (pid 41)")
    }

    @Test func aFailedStartSaysWhy() {
        var exited = DriverLifecycle()
        _ = exited.starting(pid: 7)
        let ending = exited.startFailed(exitStatus: 1)
        #expect(ending == .exited(1) && exited.description == "failed to start" && exited.mayStart)

        var slow = DriverLifecycle()
        _ = slow.starting(pid: 8)
        let slowEnding = slow.startFailed(exitStatus: nil)
        #expect(slowEnding == .timedOut)
    }

    @Test func aLostDriverIsReplacedOnTheNextRun() {
        var lifecycle = DriverLifecycle()
        _ = lifecycle.starting(pid: 9)
        _ = lifecycle.ready(pid: 9)
        #expect(lifecycle.runFailed(exitStatus: 137, timedOut: false) == .exited(137))
        #expect(lifecycle.description == "died (status 137)" && lifecycle.mayStart)
        #expect(lifecycle.runFailed(exitStatus: nil, timedOut: true) == .hung)
        #expect(lifecycle.description == "killed after hanging")
        // Its Python side gone, the JVM still running: the connection closed early.
        #expect(lifecycle.runFailed(exitStatus: nil, timedOut: false) == .disconnected)
        #expect(lifecycle.description == "killed after its connection closed")
        let again = lifecycle.starting(pid: 10)
        #expect(again)
    }

    @Test func nothingBringsAStoppedRunnerBack() {
        var lifecycle = DriverLifecycle()
        _ = lifecycle.starting(pid: 11)
        lifecycle.shutdown()
        // A start that completes, or fails, after `shutdown` is the shutdown's doing.
        let ready = lifecycle.ready(pid: 11)
        let ending = lifecycle.startFailed(exitStatus: 143)
        lifecycle.runFailed(exitStatus: 143, timedOut: false)
        let spawned = lifecycle.starting(pid: 12)
        #expect(!ready && ending == .stopping && !spawned && !lifecycle.mayStart)
        #expect(lifecycle.state == .stopped && lifecycle.description == "stopped")
    }
}
