import Foundation
import Parquet
import Testing
import TestSupport

/// Random schemas, data and writer options from a seeded generator; every file is read back by
/// our reader, pyarrow and DuckDB (one Python run for all of them).
@Suite struct PropertyTests {
    @Test func randomFilesReadBackIdenticallyEverywhere() throws {
        let directory = try ParquetTestFiles.temporaryDirectory("property")
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [WrittenFile] = []
        for seed in UInt64(1)...40 {
            let (schema, rows, options) = ParquetFixtures.randomFile(seed: seed)
            let path = directory.appendingPathComponent("random-\(seed).parquet").path
            let file = try ParquetTestFiles.write(schema, rows, options: options, path: path)
            files.append(file)
            let reader = try ParquetReader(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            #expect(reader.schema == schema, "seed \(seed)")
            #expect(try ParquetTestFiles.canonicalColumns(reader) == file.expectedColumns, "seed \(seed): our reader")
        }
        let output = try PythonTool.runScript(PythonTool.script("parquet_dump.py"), ["--readers", "pyarrow,duckdb"] + files.map(\.path))
        let json = try ParquetTestFiles.parseJSON(output.stdout)
        for reader in ["pyarrow", "duckdb"] {
            let results = try #require(json[reader] as? [String: Any])
            for file in files {
                let columns = (results[file.path] as? [String: Any])?["columns"] as? [String: Any]
                for (name, expected) in file.expectedColumns {
                    #expect(ParquetTestFiles.stringColumn(columns?[name]) == expected, "\(reader) \(URL(fileURLWithPath: file.path).lastPathComponent) \(name)")
                }
            }
        }
    }
}
