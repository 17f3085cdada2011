import Foundation

/// Runs blocking test code (waiting on child processes, Spark, PostgreSQL) off Swift's
/// cooperative pool. Swift Testing runs synchronous tests on that pool, one thread per
/// core: a few long blocking tests hold all of it, and the async code of other suites (a
/// `ServiceGroup` under test) cannot run until they end. The body stays in the test's
/// task (so `#expect` and `Issue.record` reach the test), on threads of its own.
public func offPool<T>(_ body: () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(ThreadPerJobExecutor()) { try body() }
}

/// A task executor that runs each job on a new thread.
private final class ThreadPerJobExecutor: TaskExecutor {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let thread = Thread { [self] in job.runSynchronously(on: asUnownedTaskExecutor()) }
        thread.name = "test-off-pool"
        thread.start()
    }
}
