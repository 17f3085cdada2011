/// One value, used by the convenience row API and by ``ParquetReader``.
///
/// `date` and `timestamp` columns use `.int`, `uuid` uses `.bytes` (16 bytes),
/// `json` uses `.string`, decimals use `.decimal` with the unscaled value.
public enum ParquetValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case decimal(Int128)
}
