import Foundation
import Parquet
import Testing
import TestSupport

/// Files written by this module, read back by pyarrow, DuckDB and Spark, every value compared.
@Suite struct InteropTests {
    /// The same set of files for every reader: all types with edge values under each codec,
    /// PLAIN and DELTA_BINARY_PACKED, a multi-row-group order table with dictionary and
    /// delta columns, and integer columns of every delta shape.
    static func writeFiles(to directory: URL) throws -> [WrittenFile] {
        var files: [WrittenFile] = []
        let (edgeSchema, edgeRows) = ParquetFixtures.edgeCases(rows: 36)
        for (name, compression) in [("zstd", ParquetCompression.zstd), ("snappy", .snappy), ("none", .uncompressed)] {
            var options = ParquetWriterOptions()
            options.compression = compression
            options.rowGroupMaxRows = 16
            files.append(try ParquetTestFiles.write(edgeSchema, edgeRows, options: options,
                                       path: directory.appendingPathComponent("edge-\(name).parquet").path))
        }
        var plain = ParquetWriterOptions()
        plain.dictionaryEnabled = false
        plain.deltaEncodingEnabled = false
        plain.dataPageMaxBytes = 64
        files.append(try ParquetTestFiles.write(edgeSchema, edgeRows, options: plain,
                                   path: directory.appendingPathComponent("edge-plain.parquet").path))

        let (orderSchema, orderRows) = ParquetFixtures.orders(rows: 5000)
        var options = ParquetWriterOptions()
        options.rowGroupMaxRows = 1500
        options.dataPageMaxBytes = 4096
        options.dictionaryMaxBytes = 8192
        options.columnCompression = ["note": .snappy, "created_at": .uncompressed]
        options.keyValueMetadata = ["medallion.source": "orders"]
        files.append(try ParquetTestFiles.write(orderSchema, orderRows, options: options,
                                   path: directory.appendingPathComponent("orders.parquet").path))

        var delta = ParquetWriterOptions()
        delta.dictionaryEnabled = false
        delta.dataPageMaxBytes = 64
        files.append(try ParquetTestFiles.write(edgeSchema, edgeRows, options: delta,
                                   path: directory.appendingPathComponent("edge-delta.parquet").path))
        // Pages of 125 (INT64) or 250 (INT32) rows: whole, partial and empty blocks and miniblocks.
        let (integerSchema, integerRows) = ParquetFixtures.integers(rows: 3000)
        delta.dataPageMaxBytes = 1000
        delta.rowGroupMaxRows = 1300
        files.append(try ParquetTestFiles.write(integerSchema, integerRows, options: delta,
                                   path: directory.appendingPathComponent("integers-delta.parquet").path))
        return files
    }

    private func compare(_ reader: String, _ results: [String: Any], _ files: [WrittenFile]) {
        for file in files {
            guard let result = results[file.path] as? [String: Any], let columns = result["columns"] as? [String: Any] else {
                Issue.record("\(reader) returned nothing for \(file.path)")
                continue
            }
            for (name, expected) in file.expectedColumns {
                let actual = ParquetTestFiles.stringColumn(columns[name])
                #expect(actual?.count == expected.count, "\(reader) \(file.path) \(name): row count")
                guard let actual, actual.count == expected.count else { continue }
                for row in expected.indices where actual[row] != expected[row] {
                    Issue.record("\(reader) \(URL(fileURLWithPath: file.path).lastPathComponent) column \(name) row \(row): got \(actual[row] ?? "NULL"), wrote \(expected[row] ?? "NULL")")
                    break
                }
            }
        }
    }

    @Test func pyarrowAndDuckDBReadExactlyWhatWasWritten() throws {
        let directory = try ParquetTestFiles.temporaryDirectory("interop")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.writeFiles(to: directory)
        let output = try PythonTool.runScript(PythonTool.script("parquet_dump.py"), ["--readers", "pyarrow,duckdb"] + files.map(\.path))
        let json = try ParquetTestFiles.parseJSON(output.stdout)
        let pyarrow = try #require(json["pyarrow"] as? [String: Any])
        compare("pyarrow", pyarrow, files)
        compare("duckdb", try #require(json["duckdb"] as? [String: Any]), files)

        // Footer details as pyarrow sees them.
        let orders = try #require((pyarrow[files[4].path] as? [String: Any])?["meta"] as? [String: Any])
        #expect(orders["num_row_groups"] as? Int == 4)
        #expect(orders["created_by"] as? String == "medallion-cdc version 0.1.0")
        #expect((orders["key_value_metadata"] as? [String: String])?["medallion.source"] == "orders")
        let columns = try #require(orders["columns"] as? [String: [String: Any]])
        for name in ["branch", "status"] {
            #expect((columns[name]?["encodings"] as? [String])?.contains("RLE_DICTIONARY") == true, "\(name) dictionary-encoded")
            #expect(columns[name]?["has_dictionary_page"] as? [Bool] == [true, true, true, true])
        }
        #expect((columns["id"]?["encodings"] as? [String])?.contains("RLE_DICTIONARY") == false)
        #expect(columns["id"]?["compression"] as? [String] == ["ZSTD"])
        #expect(columns["note"]?["compression"] as? [String] == ["SNAPPY"])
        #expect(columns["created_at"]?["compression"] as? [String] == ["UNCOMPRESSED"])
        #expect(columns["amount"]?["logical_type"] as? String == "Decimal(precision=12, scale=2)")
        #expect(columns["amount"]?["converted_type"] as? String == "DECIMAL")
        for name in ["id", "amount", "created_at", "updated_at"] {
            #expect(columns[name]?["encodings"] as? [String] == ["DELTA_BINARY_PACKED"] || name == "updated_at",
                     "\(name) delta-encoded")
        }
        #expect((columns["updated_at"]?["encodings"] as? [String])?.contains("DELTA_BINARY_PACKED") == true)
        for file in [files[3], files[5], files[6]] {
            let meta = try #require((pyarrow[file.path] as? [String: Any])?["meta"] as? [String: Any])
            let encodings = try #require(meta["columns"] as? [String: [String: Any]])
            let delta = Set(encodings.filter { ($0.value["encodings"] as? [String])?.contains("DELTA_BINARY_PACKED") == true }.keys)
            let integers = Set(file.schema.columns.filter {
                switch $0.type {
                case .int8, .int16, .int32, .int64, .date, .timestamp: true
                case .decimal(let precision, _): precision <= 18
                default: false
                }
            }.map(\.name))
            #expect(delta == (file.path == files[3].path ? [] : integers), "\(file.path): delta-encoded columns")
        }

        // Row-group statistics that let engines skip row groups.
        let idStats = try #require(columns["id"]?["statistics"] as? [[String: Any]])
        #expect(idStats.map { $0["min"] as? String } == ["1", "1501", "3001", "4501"])
        #expect(idStats.map { $0["max"] as? String } == ["1500", "3000", "4500", "5000"])
        let statusStats = try #require(columns["status"]?["statistics"] as? [[String: Any]])
        let statusNulls = stride(from: 0, to: 5000, by: 1500).map { start in
            ParquetFixtures.orders(rows: 5000).1[start..<min(start + 1500, 5000)].filter { $0[4] == .null }.count
        }
        #expect(statusStats.map { $0["null_count"] as? Int } == statusNulls)
        #expect(statusStats.allSatisfy { $0["has_min_max"] as? Bool == true })

        let edge = try #require((pyarrow[files[0].path] as? [String: Any])?["meta"] as? [String: Any])
        let types = try #require(edge["arrow_types"] as? [String: String])
        #expect(types["ts_utc_req"] == "timestamp[us, tz=UTC]")
        #expect(types["ts_local_req"] == "timestamp[us]")
        #expect(types["dec38_opt"] == "decimal128(38, 10)")
        #expect(types["i8_req"] == "int8" && types["day_req"] == "date32[day]")
    }

    /// One Spark run for all files: its cold start dominates.
    @Test func sparkReadsExactlyWhatWasWritten() throws {
        let directory = try ParquetTestFiles.temporaryDirectory("spark")
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.writeFiles(to: directory)
        let out = directory.appendingPathComponent("spark.json").path
        try PythonTool.sparkSubmit(PythonTool.script("parquet_spark_dump.py"), [out] + files.map(\.path))
        let json = try ParquetTestFiles.parseJSON(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self))
        compare("spark", json, files)
        let types = try #require((json[files[0].path] as? [String: Any])?["types"] as? [String: String])
        #expect(types["ts_utc_req"] == "timestamp")
        #expect(types["ts_local_req"] == "timestamp_ntz")
        #expect(types["dec38_req"] == "decimal(38,10)")
        #expect(types["i16_opt"] == "smallint")
    }
}
