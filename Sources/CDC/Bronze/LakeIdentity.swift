import Foundation
import Lake
import LakeContract

/// Who a lake is: a random id made at the lake's first start (`bronze/_cdc/lake.json`).
/// The source database records the id of the lake that consumes it, so a second lake, or
/// this lake wiped and started again, is refused instead of getting part of the stream.
struct LakeIdentity: Codable, Hashable, Sendable {
    static let path = "bronze/_cdc/lake.json"

    var lakeId: String
    var createdAt: String

    /// The lake's identity, made and stored on first use.
    static func loadOrCreate(_ lake: any LakeStorage) throws -> LakeIdentity {
        if let bytes = try lake.readIfExists(path) {
            return try LakeJSON.decode(LakeIdentity.self, from: bytes, path: path)
        }
        let identity = LakeIdentity(lakeId: UUID().uuidString.lowercased(), createdAt: LakeTimestamp.format())
        try lake.makeDirectories("bronze/_cdc")
        try lake.writeAtomically(path, data: LakeJSON.encode(identity))
        return identity
    }
}
