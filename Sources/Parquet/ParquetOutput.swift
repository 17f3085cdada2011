/// Where the file bytes go (a file, memory).
public protocol ParquetOutput {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Called once by ``ParquetWriter/close()`` after the footer is written.
    mutating func finish() throws
    /// Called when a writer is dropped without being closed; releases resources.
    mutating func abandon()
}

extension ParquetOutput {
    public mutating func finish() throws {}
    public mutating func abandon() {}
}

/// Collects the file in memory.
public struct ParquetMemoryOutput: ParquetOutput, Sendable {
    public var bytes: [UInt8]

    public init() {
        self.bytes = []
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes.append(contentsOf: bytes)
    }
}
