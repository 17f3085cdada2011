import Lake

/// The behaviour every lake backend must show, run by the local, in-memory and WebHDFS
/// suites alike: write, read, list, rename and delete.
public enum LakeRoundTrip {
    /// Throws a `HarnessError` naming the first step whose result differs.
    public static func exercise(_ lake: any LakeStorage) throws {
        try lake.writeAtomically("bronze/orders/date=2026-11-26/part-1.parquet", data: [1, 2, 3])
        try lake.writeAtomically("bronze/bookmark", data: Array("{}".utf8))
        try expect(try lake.read("bronze/orders/date=2026-11-26/part-1.parquet") == [1, 2, 3], "read what was written")
        try expect(try lake.list("bronze").map(\.name) == ["bookmark", "orders"], "list a directory in name order")
        try expect(try lake.list("bronze").first { $0.name == "orders" }?.isDirectory == true, "a directory is listed as one")
        try expect(try lake.listFilesRecursively("bronze").map(\.path)
                   == ["bronze/bookmark", "bronze/orders/date=2026-11-26/part-1.parquet"], "list files recursively")
        try lake.writeAtomically("bronze/bookmark", data: Array("{\"batch\":1}".utf8))
        try expect(try lake.read("bronze/bookmark") == Array("{\"batch\":1}".utf8), "an atomic write replaces the content")
        try lake.rename("bronze/bookmark", to: "bronze/_cdc/old")
        try expect(try lake.exists("bronze/_cdc/old"), "a renamed file exists under its new name")
        try expect(try !lake.exists("bronze/bookmark"), "a renamed file is gone from its old name")
        try expect(try lake.readIfExists("bronze/bookmark") == nil, "reading a missing file gives nil")
        try lake.delete("bronze/orders")
        try expect(try lake.listFilesRecursively("bronze").map(\.path) == ["bronze/_cdc/old"], "a deleted directory is gone")
        try lake.delete("bronze/nothing-here")
        try expect(try lake.list("no/such/dir").isEmpty, "a missing directory lists as empty")
    }

    private static func expect(_ condition: Bool, _ step: String) throws {
        guard condition else { throw HarnessError("lake round trip: \(step) failed") }
    }
}
