/// `array_out`'s text of an array from `array_send`'s binary form, for arrays of the
/// element types listed in `elements`: `{a,"b c",NULL}`, nested braces per dimension,
/// `[lower:upper]=` first when a lower bound is not 1.
enum LogicalArrayText {
    /// Array type OIDs and their element type OIDs.
    static let elements: [UInt32: UInt32] = [
        1009: 25, 1015: 1043, 1014: 1042, 1003: 19,  // text, varchar, bpchar, name
        1005: 21, 1007: 23, 1016: 20, 1231: 1700,  // int2, int4, int8, numeric
        1000: 16, 2951: 2950, 1115: 1114, 1185: 1184,  // bool, uuid, timestamp, timestamptz
    ]

    /// The text of `bytes`, or nil when they are not such an array of `element` values.
    static func text(_ bytes: [UInt8], element: UInt32) -> String? {
        bytes.withUnsafeBytes { raw in try? text(ByteReader(raw), element: element) }
    }

    private static func text(_ reader: ByteReader, element: UInt32) throws(CopyBinaryError) -> String? {
        var reader = reader
        let dimensionCount = try reader.read(Int32.self, "array")
        _ = try reader.read(Int32.self, "array")  // whether it holds a NULL
        guard (0...6).contains(dimensionCount), try reader.read(UInt32.self, "array") == element else { return nil }
        if dimensionCount == 0 { return "{}" }
        var lengths: [Int] = []
        var lowerBounds: [Int32] = []
        for _ in 0..<dimensionCount {
            let length = try reader.read(Int32.self, "array")
            guard length >= 0 else { return nil }
            lengths.append(Int(length))
            lowerBounds.append(try reader.read(Int32.self, "array"))
        }
        var values: [String?] = []
        for _ in 0..<lengths.reduce(1, *) {
            let length = try reader.read(Int32.self, "array")
            if length == -1 {
                values.append(nil)
                continue
            }
            guard let value = elementText(try reader.readBytes(Int(length), "array"), element) else { return nil }
            values.append(value)
        }
        guard reader.isAtEnd else { return nil }
        var text = ""
        if lowerBounds.contains(where: { $0 != 1 }) {
            for (length, lower) in zip(lengths, lowerBounds) {
                text += "[\(lower):\(Int(lower) + length - 1)]"
            }
            text += "="
        }
        var next = 0
        func append(dimension: Int) {
            text += "{"
            for index in 0..<lengths[dimension] {
                if index > 0 { text += "," }
                if dimension + 1 < lengths.count {
                    append(dimension: dimension + 1)
                } else {
                    text += values[next].map(quoted) ?? "NULL"
                    next += 1
                }
            }
            text += "}"
        }
        append(dimension: 0)
        return text
    }

    /// An element as array_out writes it: in double quotes, with `"` and `\` escaped, when
    /// it is empty, reads as NULL, or holds a brace, the delimiter, a quote, a backslash or
    /// white space.
    static func quoted(_ value: String) -> String {
        let special: Set<UInt8> = [UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\\"),
                                   UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), 0x0B, 0x0C]
        guard value.isEmpty || value.lowercased() == "null" || value.utf8.contains(where: special.contains) else { return value }
        var text = "\""
        for character in value.unicodeScalars {
            if character == "\"" || character == "\\" { text += "\\" }
            text.unicodeScalars.append(character)
        }
        return text + "\""
    }

    private static func elementText(_ bytes: UnsafeRawBufferPointer, _ element: UInt32) -> String? {
        switch element {
        case 25, 1043, 1042, 19:
            return String(validating: bytes, as: UTF8.self)
        case 16:
            return (try? Bool(postgresBinary: bytes)).map { $0 ? "t" : "f" }
        case 21:
            return (try? Int16(postgresBinary: bytes, type: "int2")).map { String($0) }
        case 23:
            return (try? Int32(postgresBinary: bytes, type: "int4")).map { String($0) }
        case 2950:
            return bytes.count == PostgresUUID.byteCount ? PostgresUUID.text(bytes) : nil
        default:
            return OverflowText.text(Array(bytes), type: PostgresType(oid: element, typmod: -1))
        }
    }
}
