import Parquet

/// `MedallionBench parquet --rows N --zstd-level L --out PATH`
///
/// Generates order-like rows (same generator as bench/python/parquet_baseline.py), then times
/// writing them through the row-at-a-time API, as the capture path does.
enum ParquetBench {
    static let schema = ParquetSchema([
        ParquetColumn(name: "id", type: .int64, nullable: false),
        ParquetColumn(name: "branch", type: .string, nullable: false),
        ParquetColumn(name: "customer", type: .int64, nullable: false),
        ParquetColumn(name: "amount", type: .decimal(precision: 12, scale: 2), nullable: false),
        ParquetColumn(name: "status", type: .string, nullable: false),
        ParquetColumn(name: "created_at", type: .timestamp(utc: true), nullable: false),
        ParquetColumn(name: "updated_at", type: .timestamp(utc: true), nullable: true),
    ])

    static func run(_ arguments: [String]) throws {
        let options = try BenchOptions(arguments, allowed: ["rows", "zstd-level", "out", "row-group-rows"])
        let rows = try options.int("rows", default: 2_000_000)
        let level = try options.int("zstd-level", default: 3)
        let path = options.string("out", default: "/tmp/medallion-bench-ours.parquet")

        let data = OrderData(rows: rows)
        let rssBefore = ResourceUsage.currentRSS

        var writerOptions = ParquetWriterOptions()
        writerOptions.compression = .zstd(level: level)
        writerOptions.rowGroupMaxRows = try options.int("row-group-rows", default: 1_048_576)
        let start = ResourceUsage.now()
        let cpuStart = ResourceUsage.cpuTime()
        let writer = try ParquetWriter(schema: schema, options: writerOptions, output: ParquetFileOutput(path: path))
        for i in 0..<rows {
            try writer.append(column: 0, int: data.id[i])
            try writer.append(column: 1, bytes: data.branchBytes[Int(data.branch[i])])
            try writer.append(column: 2, int: data.customer[i])
            try writer.append(column: 3, decimalUnscaled: Int128(data.amountCents[i]))
            try writer.append(column: 4, bytes: data.statusBytes[Int(data.status[i])])
            try writer.append(column: 5, int: data.createdAt[i])
            let updated = data.updatedAt[i]
            if updated == OrderData.null { try writer.appendNull(column: 6) } else { try writer.append(column: 6, int: updated) }
            try writer.endRow()
        }
        _ = try writer.close()
        let seconds = ResourceUsage.now() - start
        let cpuSeconds = ResourceUsage.cpuTime() - cpuStart

        print("""
        {"writer": "ours", "rows": \(rows), "seconds": \(seconds), "cpu_seconds": \(cpuSeconds), "file_bytes": \(ResourceUsage.fileSize(path)), \
        "input_bytes": \(data.inputBytes), "rss_before_bytes": \(rssBefore), "peak_rss_bytes": \(ResourceUsage.peakRSS)}
        """)
    }
}

/// Deterministic order-like rows; mirrors `generate()` in bench/python/parquet_baseline.py.
struct OrderData {
    static let null = Int64.min
    static let branches = (0..<20).map { "branch-" + ($0 < 10 ? "0" : "") + String($0) }
    static let statuses = ["new", "paid", "shipped"]

    var id: [Int64] = []
    var branch: [UInt8] = []
    var customer: [Int64] = []
    var amountCents: [Int64] = []
    var status: [UInt8] = []
    var createdAt: [Int64] = []
    var updatedAt: [Int64] = []
    /// Logical size of the rows: 8 bytes per bigint/decimal/timestamp value plus string bytes.
    var inputBytes = 0
    let branchBytes: [UnsafeRawBufferPointer]
    let statusBytes: [UnsafeRawBufferPointer]

    static func splitmix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Strings live for the whole run, so the bench can pass raw buffers without copies.
    private static func pin(_ strings: [String]) -> [UnsafeRawBufferPointer] {
        strings.map { string in
            let bytes = Array(string.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeRawBufferPointer(buffer)
        }
    }

    init(rows: Int) {
        branchBytes = Self.pin(Self.branches)
        statusBytes = Self.pin(Self.statuses)
        id.reserveCapacity(rows)
        branch.reserveCapacity(rows)
        customer.reserveCapacity(rows)
        amountCents.reserveCapacity(rows)
        status.reserveCapacity(rows)
        createdAt.reserveCapacity(rows)
        updatedAt.reserveCapacity(rows)
        let base: Int64 = 1_700_000_000_000_000
        for i in 0..<rows {
            let h = Self.splitmix64(UInt64(i))
            let b = UInt8(h % 20)
            let s = UInt8((h >> 50) % 3)
            let created = base + Int64(i) * 250_000 + Int64((h >> 40) % 250_000)
            id.append(Int64(i) + 1)
            branch.append(b)
            customer.append(Int64((h >> 8) % 100_000) + 1)
            amountCents.append(Int64((h >> 25) % 10_000_000))
            status.append(s)
            createdAt.append(created)
            let updatedNull = (h >> 20) % 10 == 0
            updatedAt.append(updatedNull ? Self.null : created + Int64((h >> 12) % 86_400_000_000))
            inputBytes += 8 * (updatedNull ? 4 : 5) + branchBytes[Int(b)].count + statusBytes[Int(s)].count
        }
    }
}
