/// The compression codec applied to each page.
public enum ParquetCompression: Sendable, Hashable {
    case uncompressed
    case snappy
    case zstd(level: Int)

    /// ZSTD at level 3.
    public static var zstd: Self { .zstd(level: 3) }

    var codec: CompressionCodec {
        switch self {
        case .uncompressed: .uncompressed
        case .snappy: .snappy
        case .zstd: .zstd
        }
    }
}
