#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable buffer of plain values for the writer's per-value hot path.
///
/// Unlike `Array`, appends pay no copy-on-write uniqueness check, and growth goes through
/// `realloc`, which moves large buffers by remapping pages instead of copying them. Not
/// reference counted: the owner calls ``release()`` exactly once, and copies only borrow.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity = 0

    init() {}

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(minimum: count + 1) }
        base.unsafelyUnwrapped[count] = element
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeRawBufferPointer) where Element == UInt8 {
        let length = bytes.count
        guard length > 0 else { return }
        if capacity - count < length { grow(minimum: count + length) }
        UnsafeMutableRawPointer(base.unsafelyUnwrapped + count).copyMemory(from: bytes.baseAddress!, byteCount: length)
        count += length
    }

    @inline(never)
    private mutating func grow(minimum: Int) {
        let newCapacity = Swift.max(minimum, capacity * 2, 64)
        guard let grown = realloc(base, newCapacity * MemoryLayout<Element>.stride) else {
            fatalError("out of memory growing a column buffer to \(newCapacity) values")
        }
        base = grown.bindMemory(to: Element.self, capacity: newCapacity)
        capacity = newCapacity
    }

    subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count)
        return base.unsafelyUnwrapped[index]
    }

    @discardableResult
    mutating func removeLast() -> Element {
        precondition(count > 0)
        count -= 1
        return base.unsafelyUnwrapped[count]
    }

    mutating func removeLast(_ n: Int) {
        precondition(n >= 0 && n <= count)
        count -= n
    }

    /// Empties the buffer, keeping its memory for the next row group.
    mutating func removeAll() {
        count = 0
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    mutating func release() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }
}
