import Lake
import LakeContract

extension GoldMarker {
    /// The marker in `lake`, or `nil` when gold has not been published yet.
    static func read(from lake: any LakeStorage) throws(StageError) -> GoldMarker? {
        let bytes: [UInt8]?
        do {
            bytes = try lake.readIfExists(path)
        } catch {
            throw StageError(.goldUnreadable, message: "Cannot read \(path) in \(lake.description): \(error)")
        }
        guard let bytes else { return nil }
        guard let marker = GoldMarker(json: bytes) else {
            throw StageError(.goldUnreadable,
                             message: "\(path) has no readable produced_at and bronze_batch; the next gold run rewrites it.",
                             detail: String(decoding: bytes.prefix(500), as: UTF8.self))
        }
        return marker
    }
}
