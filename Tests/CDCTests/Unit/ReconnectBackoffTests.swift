import Testing
@testable import CDC

@Suite("Reconnect backoff")
struct ReconnectBackoffTests {
    @Test("waits double per failed attempt up to the maximum, and starts over once a session connects")
    func doublesThenResets() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .milliseconds(700))
        var waits: [Duration] = []
        for _ in 0..<5 {
            backoff.attemptStarted()
            waits.append(backoff.failed())
        }
        #expect(waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(700), .milliseconds(700)])
        #expect(backoff.attempt == 5)
        backoff.attemptStarted()
        backoff.connected()
        #expect(backoff.attempt == 0)
        #expect(backoff.failed() == .milliseconds(100), "a session that connected and then failed waits the least again")
    }

    @Test("a maximum below the initial wait is raised to it")
    func maximumAtLeastInitial() {
        var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .milliseconds(10))
        #expect(backoff.failed() == .seconds(1))
        #expect(backoff.failed() == .seconds(1))
    }
}
