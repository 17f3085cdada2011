import Foundation

extension NSLock {
    /// `withLock` that keeps a typed error (Foundation's only rethrows `any Error`).
    func withLockTyped<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
