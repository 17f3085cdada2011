import Foundation

/// Waits for a condition that no event announces (an HTTP answer, a file's content),
/// checking it every `interval` until `timeout`; the pause between checks is a timed
/// condition-variable wait.
public enum Poll {
    /// Returns the first non-nil value `probe` gives; throws after `timeout` seconds,
    /// naming `what`.
    public static func until<T>(_ what: String, timeout: Double = 60, interval: Double = 0.2,
                                _ probe: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        let pause = NSCondition()
        while true {
            if let value = try probe() { return value }
            guard Date() < deadline else { throw HarnessError("timed out after \(timeout)s waiting for \(what)") }
            pause.lock()
            _ = pause.wait(until: min(deadline, Date().addingTimeInterval(interval)))
            pause.unlock()
        }
    }

    /// Waits until `condition` holds.
    public static func until(_ what: String, timeout: Double = 60, interval: Double = 0.2, _ condition: () throws -> Bool) throws {
        _ = try until(what, timeout: timeout, interval: interval) { try condition() ? true : nil }
    }
}
