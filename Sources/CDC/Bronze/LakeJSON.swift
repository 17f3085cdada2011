import LakeContract

/// The lake's bookkeeping JSON (`LakeJSONCoding`), with capture's error for a file that
/// cannot be read.
enum LakeJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try LakeJSONCoding.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        do {
            return try LakeJSONCoding.decode(type, from: bytes)
        } catch {
            throw CaptureError(.lakeState, message: "The lake file \(path) is not valid (\(error)); restore it from a backup or move it away to start over.")
        }
    }
}
