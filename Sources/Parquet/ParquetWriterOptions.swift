/// Tuning knobs for ``ParquetWriter``.
public struct ParquetWriterOptions: Sendable {
    /// Compression for every column without an entry in ``columnCompression``.
    public var compression: ParquetCompression = .zstd
    /// Per-column compression, keyed by column name.
    public var columnCompression: [String: ParquetCompression] = [:]
    /// A row group is flushed once it holds this many rows.
    public var rowGroupMaxRows: Int = 1_048_576
    /// A row group is flushed once its buffered values take about this many bytes.
    public var rowGroupMaxBytes: Int = 128 << 20
    /// Target size of one (uncompressed) data page.
    public var dataPageMaxBytes: Int = 1 << 20
    /// A column chunk falls back to PLAIN when its dictionary would exceed this size.
    public var dictionaryMaxBytes: Int = 1 << 20
    /// Set to false to write no dictionary pages.
    public var dictionaryEnabled: Bool = true
    /// Integer, date, timestamp and int32/int64-backed decimal columns without a dictionary
    /// are written DELTA_BINARY_PACKED; set to false to write them PLAIN.
    public var deltaEncodingEnabled: Bool = true
    /// The footer's `created_by`; keep the `<app> version <x.y.z>` shape, readers parse it.
    public var createdBy: String = "medallion-cdc version 0.1.0"
    /// Written to the footer's key-value metadata, sorted by key.
    public var keyValueMetadata: [String: String] = [:]

    public init() {}
}
