import Synchronization

/// A value one thread hands to another that waits for it (behind a semaphore or a join):
/// the callback of a transfer or a job on the spawner thread fills it, the caller takes it.
final class Handover<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    init() {}

    func put(_ value: Value) {
        slot.withLock { $0 = value }
    }

    func take() -> Value? {
        slot.withLock { $0 }
    }
}
