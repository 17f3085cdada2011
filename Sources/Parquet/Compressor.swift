import CSnappy
import CZstd

/// Compresses pages; owns a reusable ZSTD context.
final class Compressor {
    private var zstdContext: OpaquePointer?

    init() {}

    deinit {
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
    }

    /// Replaces `output` with the compressed form of `input`.
    func compress(_ input: UnsafeRawBufferPointer, using compression: ParquetCompression, into output: inout [UInt8]) throws {
        switch compression {
        case .uncompressed:
            output.removeAll(keepingCapacity: true)
            output.append(contentsOf: input)
        case .snappy:
            let bound = snappy_max_compressed_length(input.count)
            output.removeAll(keepingCapacity: true)
            output.reserveCapacity(bound)
            var length = bound
            let status = appendZeroedBytes(&output, count: bound) { out in
                snappy_compress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                out.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK else { throw ParquetError(.compression, "snappy compression failed") }
            output.removeLast(bound - length)
        case .zstd(let level):
            if zstdContext == nil { zstdContext = ZSTD_createCCtx() }
            let bound = ZSTD_compressBound(input.count)
            output.removeAll(keepingCapacity: true)
            let context = zstdContext
            let result = appendZeroedBytes(&output, count: bound) { out in
                ZSTD_compressCCtx(context, out.baseAddress, bound, input.baseAddress, input.count, Int32(level))
            }
            if ZSTD_isError(result) != 0 {
                throw ParquetError(.compression, "zstd compression failed: \(String(cString: ZSTD_getErrorName(result)))")
            }
            output.removeLast(bound - result)
        }
    }

    /// Decompresses a page whose uncompressed size is known from its header.
    static func decompress(_ input: UnsafeRawBufferPointer, codec: Int32, uncompressedSize: Int) throws -> [UInt8] {
        switch CompressionCodec(rawValue: codec) {
        case .uncompressed:
            guard input.count == uncompressedSize else { throw ParquetError(.corruptFile, "page size mismatch") }
            return Array(input)
        case .snappy:
            var length = 0
            guard snappy_uncompressed_length(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, &length)
                    == SNAPPY_OK, length == uncompressedSize else {
                throw ParquetError(.corruptFile, "invalid snappy page")
            }
            var output: [UInt8] = []
            let status = appendZeroedBytes(&output, count: length) { out in
                snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                  out.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK else { throw ParquetError(.corruptFile, "invalid snappy page") }
            return output
        case .zstd:
            let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
            guard declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == UInt64(uncompressedSize) else {
                throw ParquetError(.corruptFile, "invalid zstd page")
            }
            var output: [UInt8] = []
            let result = appendZeroedBytes(&output, count: uncompressedSize) { out in
                ZSTD_decompress(out.baseAddress, uncompressedSize, input.baseAddress, input.count)
            }
            guard ZSTD_isError(result) == 0, result == uncompressedSize else {
                throw ParquetError(.corruptFile, "invalid zstd page")
            }
            return output
        default:
            throw ParquetError(.unsupported, "compression codec \(codec)")
        }
    }
}

/// Grows `buffer` by `count` zero bytes and lets `body` fill them in place.
@inline(__always)
func appendZeroedBytes<R>(_ buffer: inout [UInt8], count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
    let start = buffer.count
    // An array, not `repeatElement`: appending a `Repeated` goes element by element
    // through generic code unless optimised, which made a debug build spend over a
    // second per MiB of page here; an array is zeroed and copied in bulk either way.
    buffer.append(contentsOf: [UInt8](repeating: 0, count: count))
    return try buffer.withUnsafeMutableBytes { all in
        try body(UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + count)]))
    }
}
