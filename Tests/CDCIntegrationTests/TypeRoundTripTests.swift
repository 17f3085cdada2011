import Foundation
import Lake
import Logging
import Testing
import TestSupport
@testable import CDC
import Postgres

/// Every value PostgreSQL accepts reaches bronze, typed where bronze has a type for it and
/// as PostgreSQL's text otherwise, and a value a typed column cannot hold goes to
/// `_overflow` without stopping capture. Bronze is read back by independent readers
/// (pyarrow and DuckDB, `Tests/python/bronze_types.py`) and compared value by value with
/// what PostgreSQL itself says about the same rows.
@Suite("Type round trip", .serialized)
struct TypeRoundTripTests {
    /// How a column's bronze value is compared with PostgreSQL (see the canonical forms in
    /// `bronze_types.py`).
    enum Kind {
        /// Bronze holds exactly PostgreSQL's `::text` (integers, exact numeric text,
        /// strings, json, bytea hex, uuid, bool, and every type stored as text).
        case text
        /// DECIMAL: PostgreSQL's text of a numeric(p,s); NaN overflows.
        case decimal
        /// FLOAT/DOUBLE: the IEEE bits of PostgreSQL's value; NaN as NaN.
        case float4, float8
        /// TIMESTAMP(MICROS): microseconds since 1970 from PostgreSQL's `extract(epoch)`,
        /// ±infinity as ±(2^63−1); past 294247-01-10 overflows.
        case timestamp
        /// DATE: days since 1970, ±infinity as ±(2^31−1).
        case date
    }

    struct Column {
        var name: String
        var type: String
        var kind: Kind
        /// What the bronze file's footer must say about the column (a substring of
        /// "<physical type> <logical type>" as pyarrow prints it).
        var parquet: String
        /// The SQL giving PostgreSQL's text of the value (`::text`, except char(n) whose
        /// `::text` drops the padding its output function keeps, inet/cidr whose `::text` adds
        /// a mask their output function leaves out (psql's `::1`, not `::1/128`), and xml whose
        /// `::text` keeps a declaration its output function drops).
        var textExpression: String {
            if type.hasPrefix("char(") { return quoted }
            if ["inet", "cidr", "xml"].contains(type) { return "textin(\(type)_out(\(quoted)))" }
            return quoted + "::text"
        }
        var quoted: String { PostgresConnection.quoteIdentifier(name) }
    }

    static let table = "all_types"
    static let oddName = "odd \"name\" \\ n"
    static let textForm = "BYTE_ARRAY String"

    static let columns: [Column] = [
        Column(name: "id", type: "bigint PRIMARY KEY", kind: .text, parquet: "INT64"),
        Column(name: "i2", type: "smallint", kind: .text, parquet: "INT32 Int(bitWidth=16, isSigned=true)"),
        Column(name: "i4", type: "integer", kind: .text, parquet: "INT32"),
        Column(name: "i8", type: "bigint", kind: .text, parquet: "INT64"),
        Column(name: "n12", type: "numeric(12,2)", kind: .decimal, parquet: "Decimal(precision=12, scale=2)"),
        Column(name: oddName, type: "numeric(12,2)", kind: .decimal, parquet: "Decimal(precision=12, scale=2)"),
        Column(name: "num", type: "numeric", kind: .text, parquet: textForm),
        Column(name: "n38", type: "numeric(38,10)", kind: .decimal, parquet: "Decimal(precision=38, scale=10)"),
        Column(name: "n40", type: "numeric(40,2)", kind: .text, parquet: textForm),
        Column(name: "nneg", type: "numeric(5,-2)", kind: .decimal, parquet: "Decimal(precision=7, scale=0)"),
        Column(name: "nfrac", type: "numeric(3,5)", kind: .decimal, parquet: "Decimal(precision=5, scale=5)"),
        Column(name: "f4", type: "real", kind: .float4, parquet: "FLOAT"),
        Column(name: "f8", type: "double precision", kind: .float8, parquet: "DOUBLE"),
        Column(name: "ts", type: "timestamp", kind: .timestamp, parquet: "INT64 Timestamp(isAdjustedToUTC=false, timeUnit=microseconds"),
        Column(name: "tstz", type: "timestamptz", kind: .timestamp, parquet: "INT64 Timestamp(isAdjustedToUTC=true, timeUnit=microseconds"),
        Column(name: "d", type: "date", kind: .date, parquet: "INT32 Date"),
        Column(name: "tm", type: "time", kind: .text, parquet: textForm),
        Column(name: "tmtz", type: "timetz", kind: .text, parquet: textForm),
        Column(name: "iv", type: "interval", kind: .text, parquet: textForm),
        Column(name: "ia", type: "int[]", kind: .text, parquet: textForm),
        Column(name: "ta", type: "text[]", kind: .text, parquet: textForm),
        Column(name: "feeling", type: "mood", kind: .text, parquet: textForm),
        Column(name: "dnum", type: "amount", kind: .decimal, parquet: "Decimal(precision=12, scale=2)"),
        Column(name: "dtext", type: "label", kind: .text, parquet: textForm),
        Column(name: "i4r", type: "int4range", kind: .text, parquet: textForm),
        Column(name: "tsr", type: "tstzrange", kind: .text, parquet: textForm),
        Column(name: "i4mr", type: "int4multirange", kind: .text, parquet: textForm),
        Column(name: "ip", type: "inet", kind: .text, parquet: textForm),
        Column(name: "net", type: "cidr", kind: .text, parquet: textForm),
        Column(name: "mac", type: "macaddr", kind: .text, parquet: textForm),
        Column(name: "cash", type: "money", kind: .text, parquet: textForm),
        Column(name: "b8", type: "bit(8)", kind: .text, parquet: textForm),
        Column(name: "vb", type: "varbit", kind: .text, parquet: textForm),
        Column(name: "tsv", type: "tsvector", kind: .text, parquet: textForm),
        Column(name: "x", type: "xml", kind: .text, parquet: textForm),
        Column(name: "pt", type: "point", kind: .text, parquet: textForm),
        Column(name: "c5", type: "char(5)", kind: .text, parquet: textForm),
        Column(name: "vc", type: "varchar(10)", kind: .text, parquet: textForm),
        Column(name: "nm", type: "name", kind: .text, parquet: textForm),
        Column(name: "ch", type: "\"char\"", kind: .text, parquet: textForm),
        Column(name: "flag", type: "boolean", kind: .text, parquet: "BOOLEAN"),
        Column(name: "big", type: "text", kind: .text, parquet: textForm),
        Column(name: "bin", type: "bytea", kind: .text, parquet: "BYTE_ARRAY None"),
        Column(name: "jb", type: "jsonb", kind: .text, parquet: "BYTE_ARRAY JSON"),
        Column(name: "js", type: "json", kind: .text, parquet: "BYTE_ARRAY JSON"),
        Column(name: "u", type: "uuid", kind: .text, parquet: "FIXED_LEN_BYTE_ARRAY UUID"),
        Column(name: "gen", type: "numeric(14,2) GENERATED ALWAYS AS (n12 * 2) STORED", kind: .decimal, parquet: "Decimal(precision=14, scale=2)"),
        Column(name: "ident", type: "bigint GENERATED ALWAYS AS IDENTITY", kind: .text, parquet: "INT64"),
    ]

    static let captureColumns = ["_op", "_txid", "_seq", "_changed_at", "_overflow"]

    /// Ordinary values of most types (`id` and changes added per row).
    static let typical: [String: String] = [
        "i2": "1", "i4": "2", "i8": "3", "n12": "1234.50", oddName: "0.01",
        "num": "3.14159265358979323846264338327950288419716939937510", "n38": "1234567890123456789012345678.0123456789",
        "n40": "12345678901234567890123456789012345678.25", "nneg": "12345", "nfrac": "0.00123",
        "f4": "1.5", "f8": "0.1", "ts": "'2024-02-29 12:34:56.789012'", "tstz": "'2024-02-29 12:34:56.789012+05:30'",
        "d": "'2024-02-29'", "tm": "'23:59:59.999999'", "tmtz": "'12:34:56.5+05:30'",
        "iv": "'1 year 2 mons 3 days 04:05:06.789'", "ia": "'{{1,NULL},{3,4}}'",
        "ta": #"ARRAY['a,b', 'say "hi"', NULL, 'NULL', '', 'back\slash', '{braces}', ' padded ']"#,
        "feeling": #"'it''s "odd", really'"#, "dnum": "42.00", "dtext": "'hello'", "i4r": "'[1,10)'",
        "tsr": "'[2024-01-01 00:00+00,infinity)'", "i4mr": "'{[1,3),[5,7)}'", "ip": "'192.168.0.1/24'",
        "net": "'10.0.0.0/8'", "mac": "'08:00:2b:01:02:03'", "cash": "1234.56", "b8": "B'10101010'", "vb": "B'101'",
        "tsv": "'a fat cat:3A'", "x": #"'<a x="1">t &amp; u</a>'"#, "pt": "'(1.5,-2)'", "c5": "'ab'",
        "vc": "'ü€𝄞'", "nm": "'a name'", "ch": "'a'", "flag": "true",
        "big": "'ü' || repeat('0123456789abcdef', 65536)", "bin": #"'\x00ff00ff10'::bytea"#,
        "jb": #"'{"b": [1, 2.50, null, "x\"y"], "a": "ü"}'"#, "js": #"'{"keep":  "spacing" , "a":1}'"#,
        "u": "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",
    ]

    /// The rows written before capture is installed (they arrive as the snapshot).
    static let snapshotRows: [[String: String]] = [
        row(1, typical),
        row(9, typical.merging(["num": "100.000", "f4": "-2.5e-10", "f8": "-1.0e+100", "ts": "'1969-12-31 23:59:59.999999'",
                                "tstz": "'1970-01-01 00:00:00.000001-00:00'", "d": "'1969-12-31'", "c5": "'abcde'",
                                "feeling": "'happy'", "jb": "'null'", "js": "'[]'", "big": "'short'"]) { $1 }),
    ]

    /// Both ends of each type's range, the infinities, NaN, -0, and a row of NULLs.
    static let edgeRows: [[String: String]] = [
        row(2, ["i2": "-32768", "i4": "-2147483648", "i8": "-9223372036854775808", "n12": "-9999999999.99", oddName: "-0.01",
                "num": "'-Infinity'", "n38": "-9999999999999999999999999999.9999999999", "n40": "-0.01", "nneg": "-9999900",
                "nfrac": "-0.00999", "f4": "'-Infinity'", "f8": "'-Infinity'", "ts": "'4714-11-24 00:00:00 BC'",
                "tstz": "'4714-11-24 00:00:00+00 BC'", "d": "'4714-11-24 BC'", "tm": "'00:00:00'", "tmtz": "'00:00:00-15:59'",
                "iv": "'-178000000 years'", "ia": "'{}'", "ta": "'{}'", "feeling": "'sad'", "dnum": "0", "dtext": "' '",
                "i4r": "'empty'", "tsr": "'(,)'", "i4mr": "'{}'", "ip": "'::1'", "net": "'::/0'", "mac": "'00:00:00:00:00:00'",
                "cash": "'-92233720368547758.08'", "b8": "B'00000000'", "vb": "B''", "tsv": "''", "x": "''",
                "pt": "'(-1e+300,1e-300)'", "c5": "''", "vc": "''", "nm": "''", "ch": "''", "flag": "false", "big": "''",
                "bin": #"'\x'::bytea"#, "jb": "'[]'", "js": #"'""'"#, "u": "'00000000-0000-0000-0000-000000000000'"]),
        row(3, ["i2": "32767", "i4": "2147483647", "i8": "9223372036854775807", "n12": "9999999999.99", oddName: "9999999999.99",
                "num": "'Infinity'", "n38": "9999999999999999999999999999.9999999999",
                "n40": "99999999999999999999999999999999999999.99", "nneg": "9999900", "nfrac": "0.00999",
                "f4": "'Infinity'", "f8": "'Infinity'", "ts": "'294247-01-10 04:00:54.775806'",
                "tstz": "'294247-01-10 04:00:54.775806+00'", "d": "'5874897-12-31'", "tm": "'24:00:00'", "tmtz": "'24:00:00+15:59'",
                "iv": "'178000000 years 11 mons 30 days 23:59:59.999999'", "ia": "'{{{7}}}'", "ta": #"ARRAY[E'tab\there', E'new\nline', '"', '\']"#,
                "feeling": "'ok'", "dnum": "9999999999.99", "dtext": #"'"quoted" \ text'"#, "i4r": "'(,5]'",
                "tsr": "'[-infinity,infinity]'", "i4mr": "'{[1,2), [10,)}'", "ip": "'2001:db8::ff00:42:8329/128'",
                "net": "'2001:db8::/32'", "mac": "'ff:ff:ff:ff:ff:ff'", "cash": "'92233720368547758.07'", "b8": "B'11111111'",
                "vb": "B'1111111111111111111111111111111111111111111111111111111111111111111'", "tsv": #"'''quoted'' words:1,2,3'"#,
                "x": "'<?xml version=\"1.0\"?><r>ü</r>'", "pt": "'(NaN,Infinity)'", "c5": "'abcde'", "vc": "'0123456789'",
                "nm": "repeat('n', 63)", "ch": #"'\351'"#, "flag": "true", "big": "repeat('€', 5)",
                "bin": #"'\xff'::bytea"#, "jb": #"'{"deep": {"deeper": [[], {}]}, "num": 1e400}'"#, "js": "'  {\"ws\" : true}  '",
                "u": "'ffffffff-ffff-ffff-ffff-ffffffffffff'"]),
        row(4, ["ts": "'infinity'", "tstz": "'infinity'", "d": "'infinity'", "f4": "'NaN'", "f8": "'NaN'", "num": "'NaN'",
                "n12": "0", "tsr": "'[2024-01-01,2024-01-01]'"]),
        row(5, ["ts": "'-infinity'", "tstz": "'-infinity'", "d": "'-infinity'", "f4": "'-0'", "f8": "'-0'",
                "num": "0.000000000000000000000000000001", "n12": "-0.00", "nfrac": "0"]),
        row(6, [:]),
        row(7, ["f4": "'1e-45'", "f8": "'5e-324'", "num": "1e100", "n38": "0.0000000001", "nneg": "-50"]),
        row(8, ["f4": "'3.4028235e38'", "f8": "'1.7976931348623157e308'", "num": "'-1.5e-20'", "n38": "-0.0000000001"]),
    ]

    static func row(_ id: Int, _ values: [String: String]) -> [String: String] {
        values.merging(["id": String(id)]) { $1 }
    }

    /// An INSERT of `rows` (columns each row lacks are NULL; generated ones are computed).
    static func insert(_ rows: [[String: String]]) -> String {
        let names = columns.map(\.name).filter { name in rows.contains { $0[name] != nil } }
        let values = rows.map { row in "(" + names.map { row[$0] ?? "DEFAULT" }.joined(separator: ", ") + ")" }
        return "INSERT INTO \(table) (\(names.map(PostgresConnection.quoteIdentifier).joined(separator: ", "))) VALUES "
            + values.joined(separator: ", ")
    }

    static let schema = """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'it''s "odd", really');
        CREATE DOMAIN amount AS numeric(12,2) CHECK (VALUE >= 0);
        CREATE DOMAIN label AS text CHECK (VALUE <> '');
        CREATE TABLE \(table) (\(columns.map { "\($0.quoted) \($0.type)" }.joined(separator: ", ")));
        """

    @Test("every type reaches bronze exactly (pyarrow and DuckDB agree with PostgreSQL); overflowed values are NULL with their text in _overflow and never stop capture")
    func everyTypeRoundTrips() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        // Fail loudly, before any work, when an independent reader is missing.
        try PythonTool.requireModules(["pyarrow", "duckdb"])
        // Text forms of time zone-aware values follow the session's TimeZone: every session
        // here (daemon, verify, this test) takes the database's, whatever the cluster's is.
        try database.sql("ALTER DATABASE \(database.name) SET TimeZone = 'UTC'")
        try database.sql(Self.schema)
        // PostgreSQL itself refuses ±Infinity in a numeric(p,s), so NaN is the only
        // special value such a column (and a domain over it) can hold.
        #expect(throws: (any Error).self) { try database.sql("SELECT 'Infinity'::numeric(12,2)") }
        #expect(throws: (any Error).self) { try database.sql("SELECT '-Infinity'::amount") }
        try database.sql(Self.insert(Self.snapshotRows))
        _ = try CaptureInstaller(connection: database.connect()).install([TableName(name: Self.table)])

        let overflowCounts = LockedBox<[String: Int]>([:])
        try withRecordingDaemon(database, overflowCounts) {
            try database.sql(Self.insert(Self.edgeRows))
            try verifyClean(database, rows: 9, "the snapshot and the edge values")

            // Each overflowing value in a transaction of its own, then ordinary rows after
            // them: capture must go on past every one.
            try database.sql(Self.insert([Self.row(10, Self.typical.merging(["n12": "'NaN'", Self.oddName: "'NaN'", "dnum": "'NaN'"]) { $1 })]))
            try database.sql(Self.insert([Self.row(11, ["ts": "'294276-12-31 23:59:59'", "tstz": "'294276-12-31 23:59:59.999999+00'"])]))
            // 2^63−1 µs after 1970 is what +infinity is stored as: a finite value there is not.
            try database.sql(Self.insert([Self.row(12, ["ts": "'294247-01-10 04:00:54.775807'", "tstz": "'294247-01-10 04:00:54.775807+00'",
                                                        "d": "'2000-01-01'"])]))
            try database.sql(Self.insert([Self.row(13, Self.typical), Self.row(14, ["n12": "1.00", "ts": "'2001-01-01'"])]))
            try verifyClean(database, rows: 14, "rows written after NaN and year-294276 values")

            // Ordinary and overflowing rows in one statement (one batch).
            try database.sql(Self.insert([
                Self.row(15, ["n12": "15.00"]),
                Self.row(16, ["n12": "'NaN'", "ts": "'294276-12-31 23:59:59'", "tstz": "'infinity'", "d": "'5874897-12-31'"]),
                Self.row(17, ["n12": "17.00", "ts": "'294247-01-10 04:00:54.775806'"]),
            ]))
            try database.sql("""
                UPDATE \(Self.table) SET n12 = 'NaN' WHERE id = 1;
                UPDATE \(Self.table) SET n12 = 7.25, ts = '294276-01-01' WHERE id = 10;
                UPDATE \(Self.table) SET ts = '2020-02-02 02:02:02' WHERE id = 11;
                UPDATE \(Self.table) SET id = 20 WHERE id = 2;
                DELETE FROM \(Self.table) WHERE id = 5;
                """)
            try verifyClean(database, rows: 16, "updates, a key change and a delete")
        }
        // A daemon that has not met an overflow yet (no text fallback remembered) meets one
        // first thing, then ordinary rows after it.
        try database.sql(Self.insert([Self.row(30, ["n12": "'NaN'", "ts": "'294276-12-31 23:59:59'", "tstz": "'2024-06-01 12:00:00+00'"])]))
        try withRecordingDaemon(database, overflowCounts) {
            try verifyClean(database, rows: 17, "a restarted daemon's first batch overflowing")
            try database.sql(Self.insert([Self.row(31, Self.typical)]))
            try verifyClean(database, rows: 18, "a row after the restarted daemon's overflow")
        }

        // Every overflowed value, counted per column as the warning and the metric count
        // them: one per captured change holding one (an update's new image too).
        //   n12: rows 10, 16, 30 and row 1's update;  gen (n12 * 2): the same four;
        //   odd name, dnum: row 10 and its update;  ts: rows 11, 12, 16, 30 and row 10's
        //   update;  tstz: rows 11, 12 and row 11's update (which left tstz as it was).
        #expect(overflowCounts.value == ["n12": 4, "gen": 4, Self.oddName: 2, "dnum": 2, "ts": 5, "tstz": 3],
                "\(overflowCounts.value)")

        let expected = try expectedRows(database)
        // Which values overflow is decided by the contract, not only by `canonical` above.
        let overflowed = expected.filter { !$0.value.overflow.isEmpty }.mapValues { Set($0.overflow.keys) }
        #expect(overflowed == ["1": ["n12", "gen"], "10": [Self.oddName, "dnum", "ts"], "11": ["tstz"], "12": ["ts", "tstz"],
                               "16": ["n12", "gen", "ts"], "30": ["n12", "gen", "ts"]], "\(overflowed)")
        #expect(expected["11"]?.overflow == ["tstz": "294276-12-31 23:59:59.999999+00"])
        #expect(expected["16"]?.overflow == ["n12": "NaN", "gen": "NaN", "ts": "294276-12-31 23:59:59"])
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_types.py", [database.lakeDirectory, Self.table, "id"])
        try compare(seen, with: expected)
    }

    /// Verify (which waits for the daemon to commit what its snapshot sees) must be clean
    /// and match every row.
    func verifyClean(_ database: RetailDatabase, rows: Int, _ what: String) throws {
        var options = Verifier.Options()
        options.timeout = .seconds(60)
        let report = try Verifier(connection: database.connect(), lake: database.lake, options: options)
            .verify([TableName(name: Self.table)])
        #expect(report.isClean, "\(what): \(report)")
        #expect(report.tables.first?.matching == rows, "\(what): \(report)")
    }

    /// Runs the daemon in-process, adding up the values each committed batch reports as
    /// overflowed (what the warning logs and the metric counts).
    func withRecordingDaemon(_ database: RetailDatabase, _ counts: LockedBox<[String: Int]>, _ body: () throws -> Void) throws {
        try withDaemon(database, logLevel: .error, onCommit: { batch in
            var total = counts.value
            for (_, columns) in batch.overflowed {
                for (column, count) in columns { total[column, default: 0] += count }
            }
            counts.value = total
        }) { _ in try body() }
    }

    /// One source row as bronze must hold it: per column its canonical text (nil for
    /// NULL), and the `_overflow` object it must carry.
    struct ExpectedRow {
        var values: [String: String?] = [:]
        var overflow: [String: String] = [:]
    }

    /// What PostgreSQL says about every row, turned into the canonical texts of
    /// `bronze_types.py`.
    func expectedRows(_ database: RetailDatabase) throws -> [String: ExpectedRow] {
        var select: [String] = []
        for column in Self.columns {
            select.append(column.textExpression)
            switch column.kind {
            case .timestamp:
                // Whole seconds plus the microseconds: PostgreSQL's extract(epoch) alone
                // rounds to 4 decimals near 2^63 µs (its numeric division keeps 16 digits).
                let c = column.quoted
                select.append("CASE WHEN isfinite(\(c)) THEN (extract(epoch FROM date_trunc('second', \(c))) * 1000000 "
                              + "+ extract(microseconds FROM \(c)) % 1000000)::numeric(40,0)::text END")
            case .date:
                select.append("CASE WHEN isfinite(\(column.quoted)) THEN (\(column.quoted) - date '1970-01-01')::text END")
            default:
                break
            }
        }
        let result = try database.connect().execute("SELECT \(select.joined(separator: ", ")) FROM \(Self.table) ORDER BY id")
        var rows: [String: ExpectedRow] = [:]
        for fields in result.rows {
            var row = ExpectedRow()
            var index = 0
            for column in Self.columns {
                let text = fields[index]
                index += 1
                var derived: String?
                if column.kind == .timestamp || column.kind == .date {
                    derived = fields[index]
                    index += 1
                }
                guard let text else {
                    row.values[column.name] = .some(nil)
                    continue
                }
                if let value = Self.canonical(column.kind, text: text, derived: derived) {
                    row.values[column.name] = value
                } else {
                    row.values[column.name] = .some(nil)
                    row.overflow[column.name] = text
                }
            }
            rows[fields[0] ?? ""] = row
        }
        return rows
    }

    /// The canonical bronze text of PostgreSQL's value, or nil when the column's Parquet
    /// type cannot hold it (it must overflow).
    static func canonical(_ kind: Kind, text: String, derived: String?) -> String? {
        switch kind {
        case .text:
            return text
        case .decimal:
            return text == "NaN" ? nil : text
        case .float4:
            guard text != "NaN" else { return "NaN" }
            guard let value = Float(text) else { Issue.record("PostgreSQL's real \(text) does not parse"); return text }
            return "f32:" + hex(UInt64(value.bitPattern), digits: 8)
        case .float8:
            guard text != "NaN" else { return "NaN" }
            guard let value = Double(text) else { Issue.record("PostgreSQL's double \(text) does not parse"); return text }
            return "f64:" + hex(value.bitPattern, digits: 16)
        case .timestamp:
            if text == "infinity" { return String(Int64.max) }
            if text == "-infinity" { return String(-Int64.max) }
            guard let micros = derived.flatMap({ Int64($0) }), micros != Int64.max else { return nil }
            return String(micros)
        case .date:
            if text == "infinity" { return String(Int32.max) }
            if text == "-infinity" { return String(-Int32.max) }
            return derived
        }
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    func compare(_ seen: [String: Any], with expected: [String: ExpectedRow]) throws {
        let sourceNames = Self.columns.map(\.name)
        #expect(seen["columns"] as? [String] == sourceNames + Self.captureColumns, "bronze columns: \(seen["columns"] ?? "none")")
        // Every file stores each column as one Parquet type, the one the contract gives it.
        let parquetTypes = seen["parquet_types"] as? [String: [String]] ?? [:]
        for column in Self.columns + [Column(name: "_overflow", type: "text", kind: .text, parquet: Self.textForm)] {
            let actual = parquetTypes[column.name] ?? []
            #expect(actual.count == 1 && actual[0].contains(column.parquet),
                    "\(column.name) (\(column.type)) is stored as \(actual), expected \(column.parquet)")
        }

        for reader in ["pyarrow", "duckdb"] {
            let rows = seen[reader] as? [String: [String: Any]] ?? [:]
            #expect(Set(rows.keys) == Set(expected.keys), "\(reader) keys \(rows.keys.sorted()) vs PostgreSQL \(expected.keys.sorted())")
            var mismatches: [String] = []
            for (key, want) in expected.sorted(by: { Int($0.key) ?? 0 < Int($1.key) ?? 0 }) {
                guard let got = rows[key] else { continue }
                for column in Self.columns {
                    let value = got[column.name] as? String
                    let wanted = want.values[column.name] ?? nil
                    if value != wanted {
                        mismatches.append("id \(key) \(column.name) (\(column.type)): bronze \(Self.show(value)), PostgreSQL \(Self.show(wanted))")
                    }
                }
                let overflowText = got["_overflow"] as? String
                var overflow: [String: String]?
                if let overflowText {
                    let object = try? JSONSerialization.jsonObject(with: Data(overflowText.utf8)) as? [String: Any]
                    overflow = object?.compactMapValues { $0 as? String }
                    if overflow == nil || overflow?.count != object?.count {
                        mismatches.append("id \(key) _overflow is not a JSON object of strings: \(overflowText)")
                    }
                }
                if (overflow ?? [:]) != want.overflow || (overflowText == nil) != want.overflow.isEmpty {
                    mismatches.append("id \(key) _overflow: bronze \(Self.show(overflowText)), expected \(want.overflow)")
                }
            }
            #expect(mismatches.isEmpty, "\(reader) disagrees with PostgreSQL in \(mismatches.count) value(s):\n\(mismatches.joined(separator: "\n"))")
        }
        // The two readers agree on everything, capture columns included.
        let arrow = seen["pyarrow"] as? [String: [String: Any]] ?? [:]
        let duck = seen["duckdb"] as? [String: [String: Any]] ?? [:]
        var disagreements: [String] = []
        for (key, row) in arrow {
            for name in sourceNames + Self.captureColumns where (row[name] as? String) != (duck[key]?[name] as? String) {
                disagreements.append("id \(key) \(name): pyarrow \(Self.show(row[name] as? String)), DuckDB \(Self.show(duck[key]?[name] as? String))")
            }
        }
        #expect(disagreements.isEmpty, "pyarrow and DuckDB disagree:\n\(disagreements.joined(separator: "\n"))")
        // char(n) keeps its padding; the snapshot row that was never changed is still 'R'.
        #expect(arrow["6"]?["c5"] is NSNull)
        #expect(arrow["2"] == nil && arrow["20"]?["c5"] as? String == "     ")
        #expect(arrow["9"]?["_op"] as? String == "R")
        #expect((arrow["1"]?["big"] as? String)?.utf8.count == 2 + 1_048_576)
    }

    static func show(_ value: String?) -> String {
        guard let value else { return "NULL" }
        return value.count > 120 ? "\"\(value.prefix(120))…\" (\(value.count) characters)" : "\"\(value)\""
    }
}
