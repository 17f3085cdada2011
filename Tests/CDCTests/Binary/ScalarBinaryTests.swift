@testable import CDC
import Parquet
import Testing

@Suite struct ScalarBinaryTests {
    @Test func integers() throws {
        #expect(try decodeField(SendBytes.be(Int16(-2)), as: .int2) == .int(-2))
        #expect(try decodeField(SendBytes.be(Int32.min), as: .int4) == .int(Int64(Int32.min)))
        #expect(try decodeField(SendBytes.be(Int64.max), as: .int8) == .int(.max))
        #expect(try decodeField(SendBytes.be(UInt32.max), as: .oid) == .int(4_294_967_295))
        #expect(try decodeField(SendBytes.be(UInt64(123_456_789_012)), as: .xid8) == .int(123_456_789_012))
    }

    @Test func xid8BeyondInt64IsAnError() {
        let error = #expect(throws: CopyBinaryError.self) { try decodeField(SendBytes.be(UInt64.max), as: .xid8) }
        #expect(error?.kind == .overflow)
    }

    @Test func wrongWidthNamesTheType() {
        let error = #expect(throws: CopyBinaryError.self) {
            try decodeValues(SendBytes.copyStream([[[0, 1, 2]]]), types: [.int4], names: ["qty"])
        }
        #expect(error?.kind == .invalidField)
        #expect(error?.description == "COPY BINARY: column \"qty\": a integer field must be 4 bytes, got 3; the column's type differs from the catalog's (re-read the table's schema) [integer]")
    }

    @Test func floatsKeepNaNAndInfinity() throws {
        #expect(try decodeField(SendBytes.be((1.5 as Float).bitPattern), as: .float4) == .float(1.5))
        #expect(try decodeField(SendBytes.be((-2.25).bitPattern), as: .float8) == .double(-2.25))
        #expect(try decodeField(SendBytes.be(Float.infinity.bitPattern), as: .float4) == .float(.infinity))
        #expect(try decodeField(SendBytes.be((-Double.infinity).bitPattern), as: .float8) == .double(-.infinity))
        #expect(try decodeField(SendBytes.be(Float.nan.bitPattern), as: .float4).floatBits == Float.nan.bitPattern)
        #expect(try decodeField(SendBytes.be(Double.nan.bitPattern), as: .float8).doubleBits == Double.nan.bitPattern)
    }

    @Test func bool() throws {
        #expect(try decodeField([1], as: .bool) == .bool(true))
        #expect(try decodeField([0], as: .bool) == .bool(false))
        #expect(throws: CopyBinaryError.self) { try decodeField([], as: .bool) }
    }

    @Test func textLikeTypesPassUTF8Through() throws {
        for type in [PostgresType.text, .varchar, .bpchar, .name, .json, .unsupported(oid: 1083)] {
            #expect(try decodeField(SendBytes.text("héllo ✓"), as: type) == .string("héllo ✓"))
            #expect(try decodeField([], as: type) == .string(""))
        }
        let error = #expect(throws: CopyBinaryError.self) { try decodeField([0xC3], as: .text) }
        #expect(error?.message.contains("UTF-8") == true)
    }

    @Test func jsonbChecksItsVersionByte() throws {
        #expect(try decodeField([1] + SendBytes.text(#"{"a": 1}"#), as: .jsonb) == .string(#"{"a": 1}"#))
        let error = #expect(throws: CopyBinaryError.self) { try decodeField([2] + SendBytes.text("{}"), as: .jsonb) }
        #expect(error?.message.contains("jsonb binary format version 2") == true)
        #expect(throws: CopyBinaryError.self) { try decodeField([], as: .jsonb) }
    }

    @Test func charPrintsLikeCharout() throws {
        #expect(try decodeField([UInt8(ascii: "x")], as: .char) == .string("x"))
        #expect(try decodeField([0], as: .char) == .string(""))
        #expect(try decodeField([0x80], as: .char) == .string(#"\200"#))
        #expect(try decodeField([0xFF], as: .char) == .string(#"\377"#))
    }

    @Test func byteaAndUUID() throws {
        #expect(try decodeField([0, 0xFF, 0x10], as: .bytea) == .bytes([0, 0xFF, 0x10]))
        #expect(try decodeField([], as: .bytea) == .bytes([]))
        let uuid: [UInt8] = [0xA0, 0xEE, 0xBC, 0x99, 0x9C, 0x0B, 0x4E, 0xF8, 0xBB, 0x6D, 0x6B, 0xB9, 0xBD, 0x38, 0x0A, 0x11]
        #expect(try decodeField(uuid, as: .uuid) == .bytes(uuid))
        #expect(PostgresUUID.text(uuid) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        #expect(throws: CopyBinaryError.self) { try decodeField(Array(uuid.dropLast()), as: .uuid) }
    }
}
