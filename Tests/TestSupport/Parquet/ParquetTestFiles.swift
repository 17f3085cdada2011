import Foundation
import Parquet

/// A schema plus the rows written with it, and where the file went.
public struct WrittenFile: Sendable {
    public var path: String
    public var schema: ParquetSchema
    public var rows: [[ParquetValue]]

    public init(path: String, schema: ParquetSchema, rows: [[ParquetValue]]) {
        self.path = path
        self.schema = schema
        self.rows = rows
    }

    /// Expected canonical values per column name (the form the Python readers print).
    public var expectedColumns: [String: [String?]] {
        var result: [String: [String?]] = [:]
        for (index, column) in schema.columns.enumerated() {
            result[column.name] = rows.map { ParquetCanonical.text($0[index], column.type) }
        }
        return result
    }
}

public enum ParquetCanonical {
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    public static func padded(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: width - digits.count) + digits
    }

    /// Mirrors Tests/python/parquet_canonical.py.
    public static func text(_ value: ParquetValue, _ type: ParquetType) -> String? {
        switch value {
        case .null: return nil
        case .bool(let v): return v ? "true" : "false"
        case .int(let v): return String(v)
        case .decimal(let v): return String(v)
        case .float(let v): return v.isNaN ? "nan" : "f" + padded(v.bitPattern, width: 8)
        case .double(let v): return v.isNaN ? "nan" : "d" + padded(v.bitPattern, width: 16)
        case .string(let v): return v
        case .bytes(let v): return "x" + hex(v)
        }
    }
}

/// Writing Parquet files for tests and reading back what the Python readers print.
public enum ParquetTestFiles {
    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("parquet-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @discardableResult
    public static func write(
        _ schema: ParquetSchema, _ rows: [[ParquetValue]], options: ParquetWriterOptions = .init(), path: String
    ) throws -> WrittenFile {
        let writer = try ParquetWriter(schema: schema, options: options, output: ParquetFileOutput(path: path))
        for row in rows { try writer.appendRow(row) }
        _ = try writer.close()
        return WrittenFile(path: path, schema: schema, rows: rows)
    }

    public static func writeMemory(_ schema: ParquetSchema, _ rows: [[ParquetValue]], options: ParquetWriterOptions = .init()) throws -> [UInt8] {
        let writer = try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())
        for row in rows { try writer.appendRow(row) }
        return try writer.close().bytes
    }

    /// Column-major canonical values as read back by our own reader.
    public static func canonicalColumns(_ reader: ParquetReader) throws -> [String: [String?]] {
        var result: [String: [String?]] = [:]
        for (index, column) in try reader.readColumns().enumerated() {
            let type = reader.schema.columns[index].type
            result[reader.schema.columns[index].name] = column.map { ParquetCanonical.text($0, type) }
        }
        return result
    }

    /// Decodes the JSON printed by the Python readers.
    public static func parseJSON(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        guard let dictionary = object as? [String: Any] else { throw PythonOutputError(text: String(text.prefix(500))) }
        return dictionary
    }

    /// `[String?]` from a JSON array of strings and nulls.
    public static func stringColumn(_ value: Any?) -> [String?]? {
        guard let array = value as? [Any] else { return nil }
        return array.map { $0 as? String }
    }
}

public struct PythonOutputError: Error { public var text: String }
