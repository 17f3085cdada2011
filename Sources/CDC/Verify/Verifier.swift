import Foundation
import Lake
import Parquet
import LakeContract
import Postgres

/// Rebuilds the latest row per primary key from bronze and compares it with the source
/// tables, as of one database snapshot.
///
/// Verify reads the source in a REPEATABLE READ snapshot, waits until the bookmark covers
/// every captured change that snapshot sees, then keeps only the bronze changes the
/// snapshot sees — so it is exact even while writers and the daemon keep running.
public struct Verifier {
    public struct Options: Sendable {
        /// How long to wait for the daemon to commit what the snapshot sees.
        public var timeout: Duration = .seconds(60)
        public init() {}
    }

    let connection: PostgresConnection
    let lake: any LakeStorage
    let options: Options

    public init(connection: PostgresConnection, lake: any LakeStorage, options: Options = .init()) {
        self.connection = connection
        self.lake = lake
        self.options = options
    }

    public func verify(_ tables: [TableName]) throws -> VerifyReport {
        let captured = try CaptureCatalog(connection: connection).load(tables)
        try TextSettings.apply(connection)
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        var open = true
        defer { if open { _ = try? connection.execute("ROLLBACK") } }
        guard let snapshot = PostgresSnapshot(try connection.execute("SELECT pg_current_snapshot()::text").scalar ?? "") else {
            throw PostgresError(.protocolViolation, message: "PostgreSQL returned a snapshot verify cannot read.")
        }
        var sources: [(CapturedTable, [String], [[ParquetValue]: [ParquetValue]])] = []
        var uncaptured: [TableName: [String]] = [:]
        var pendingThrough: [TableName: TablePosition] = [:]
        let catalog = CaptureCatalog(connection: connection)
        for var table in captured {
            guard try catalog.sourceExists(table.table) else {
                throw CaptureError(.schema, message: "\(table.table) is captured, but the source has no table of that name (renamed or dropped since install); rename it back (capture follows it under this name), or give that name to the table to capture.")
            }
            let key = try catalog.primaryKey(of: table.table)
            // Rows are compared by key: without one, every row would fall under one empty key.
            guard !key.isEmpty else {
                throw CaptureError(.schema, message: "\(table.table) has no primary key (dropped since install), so its rows cannot be compared with bronze's; add one again (capture follows that and captures the rows again).")
            }
            uncaptured[table.table] = try catalog.uncapturedColumns(table)
            // Compared: the capture columns the source still has (a dropped or renamed
            // source column lives on in the capture table, NULL from then on), each read
            // from the source as the capture table holds it (the trigger converts to it).
            let sourceTypes = try self.sourceTypes(table)
            table.columns = table.columns.filter { sourceTypes[$0.name] != nil }
            sources.append((table, key, try sourceRows(table, key: key, casts: sourceTypes.compactMapValues { $0 })))
            let last = try connection.execute(
                "SELECT _txid::text AS txid, _seq FROM \(table.table.quotedCaptureTable) ORDER BY _txid DESC, _seq DESC LIMIT 1").rows.first
            if let last, let txid = UInt64(last[0] ?? ""), let seq = Int64(last[1] ?? "") {
                pendingThrough[table.table] = TablePosition(txid: txid, seq: seq)
            }
        }
        let logical = try CaptureMode.read(connection) == .logical
        if logical {
            // Every transaction the snapshot sees committed before this WAL position (the
            // insert position: with asynchronous commit a commit record can still be in the
            // WAL buffers, past pg_current_wal_lsn()); the daemon confirms a position to the
            // slot only once bronze holds everything before it.
            let position = try connection.execute("SELECT pg_current_wal_insert_lsn()::text").scalar.flatMap { LSN($0) } ?? .zero
            try waitForSlot(confirming: position)
        }
        let bookmark = try waitForBookmark(covering: pendingThrough, logical: logical)
        try connection.execute("COMMIT")
        open = false

        var reports: [VerifyReport.Table] = []
        for (table, key, source) in sources {
            var report = try compareRetryingCompaction(table, key: key, source: source, snapshot: snapshot, bookmark: bookmark)
            report.uncapturedColumns = uncaptured[table.table] ?? []
            reports.append(report)
        }
        return VerifyReport(tables: reports, batch: bookmark.batch)
    }

    /// The source rows by key, each value as `comparable` makes it. Every typed column is
    /// also selected as `::text`, so a value its bronze type cannot hold compares by its
    /// text, as bronze's `_overflow` keeps it.
    /// Per source column that the capture table has: nil when both have the same type,
    /// else the capture column's type (its type changed, and capture followed by converting).
    private func sourceTypes(_ table: CapturedTable) throws -> [String: String?] {
        let rows = try connection.execute("""
            \(CaptureCatalog.resolvedColumns)
            SELECT s.attname, format_type(c.atttypid, c.atttypmod), format_type(s.typid, s.typmod)
            FROM chain s JOIN pg_type t ON t.oid = s.typid
            JOIN pg_attribute c ON c.attrelid = $2::regclass AND c.attname = s.attname AND c.attnum > 0 AND NOT c.attisdropped
            WHERE t.typtype <> 'd'
            """, [table.table.quoted, table.table.quotedCaptureTable]).rows
        return Dictionary(uniqueKeysWithValues: rows.map { row in
            (row[0] ?? "", row[1] == row[2] ? nil : row[1])
        })
    }

    private func sourceRows(_ table: CapturedTable, key: [String], casts: [String: String]) throws -> [[ParquetValue]: [ParquetValue]] {
        let names = table.columns.map(\.name)
        let keyIndexes = try key.map { column in
            guard let index = names.firstIndex(of: column) else {
                throw CaptureError(.schema, message: "The primary key column \(column) of \(table.table) is not captured; re-run `medallion install \(table.table.lakeName)`.")
            }
            return index
        }
        var captured = table
        captured.textFallback = Set(table.columns.filter { !$0.postgresType.isUnsupported }.map(\.name))
        let types = table.columns.map(\.postgresType)
        let decoder = BronzeRowDecoder(types: types, names: names)
        func expression(_ name: String) -> String {
            let quoted = PostgresConnection.quoteIdentifier(name)
            return casts[name].map { "CAST(\(quoted) AS \($0))" } ?? quoted
        }
        let select = table.columns.map { $0.selectExpression(expression($0.name)) }
            + table.columns.filter { captured.textFallback.contains($0.name) }.map { "(\(expression($0.name)))::text" }
        let textFields = captured.textFields
        let partitioned = try connection.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = $1::regclass", [table.table.quoted]).scalar == "t"
        var parser = CopyBinaryParser(expectedFieldCount: select.count)
        var rows: [[ParquetValue]: [ParquetValue]] = [:]
        let sql = "COPY (SELECT \(select.joined(separator: ", ")) FROM \(partitioned ? "" : "ONLY ")\(table.table.quoted)) TO STDOUT (FORMAT binary)"
        try connection.copyOut(sql) { chunk in
            try parser.feed(chunk) { tuple in
                var collector = BronzeValueCollector(types: types.map(\.parquetType) + [.string], names: names + [CaptureMetadataColumn.overflow])
                _ = try decoder.appendCapture(tuple, to: &collector, sourceColumns: names.count, textFields: textFields)
                let values = Self.applyingOverflow(Array(collector.values.dropLast()), names: names, overflow: collector.values.last ?? .null,
                                                   types: types.map(\.parquetType))
                rows[keyIndexes.map { values[$0] }] = values
            }
        }
        try parser.finish()
        return rows
    }

    /// `values` with each column named in the `_overflow` JSON replaced by its text (as
    /// `overflowValue`), and every value made `comparable`.
    static func applyingOverflow(_ values: [ParquetValue], names: [String], overflow: ParquetValue,
                                 types: [ParquetType?]) -> [ParquetValue] {
        var values = zip(values, types).map { comparable($0, type: $1) }
        guard case .string(let json) = overflow,
              let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return values }
        for (index, name) in names.enumerated() {
            if let text = object[name] as? String { values[index] = overflowValue(text) }
        }
        return values
    }

    /// A value kept in `_overflow`: a string no column can hold (PostgreSQL text has no NUL).
    static func overflowValue(_ text: String) -> ParquetValue { .string("\u{0}overflow:" + text) }

    /// NaN equals NaN here: bronze must keep it, and `==` on floats would call it different.
    /// A decimal compares by its value, whatever its scale (files written before a column's
    /// scale changed hold it at the old one).
    static func comparable(_ value: ParquetValue, type: ParquetType?) -> ParquetValue {
        switch value {
        case .float(let number) where number.isNaN: return .string("\u{0}NaN")
        case .double(let number) where number.isNaN: return .string("\u{0}NaN")
        case .decimal(var unscaled):
            guard case .decimal(_, var scale)? = type else { return value }
            while scale > 0 && unscaled % 10 == 0 {
                unscaled /= 10
                scale -= 1
            }
            return .string("\u{0}decimal:\(unscaled)e-\(scale)")
        default: return value
        }
    }

    /// Logical capture: waits until the slot's confirmed position reaches `position`.
    private func waitForSlot(confirming position: LSN) throws {
        let deadline = ContinuousClock.now + options.timeout
        let name = try CaptureMode.slot(connection)
        while true {
            let slot = try LogicalSlotStatus.read(name, on: connection)
            if let confirmed = slot?.confirmedFlush, confirmed >= position { return }
            if ContinuousClock.now >= deadline {
                throw CaptureError(.lakeState, message: "The replication slot \(name) has not confirmed \(position) within \(options.timeout); is `medallion run` running against this lake?")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Waits until the bookmark covers `pending` (the capture tables' last rows). With
    /// logical capture, positions after the snapshot carry stream transaction ids, so only
    /// `_seq` compares.
    private func waitForBookmark(covering pending: [TableName: TablePosition], logical: Bool = false) throws -> Bookmark {
        let committer = BronzeCommitter(lake: lake, fault: .none)
        let deadline = ContinuousClock.now + options.timeout
        while true {
            let bookmark = try committer.loadBookmark()
            let behind = pending.filter { logical ? bookmark.position($0.key).seq < $0.value.seq : bookmark.position($0.key) < $0.value }
            if behind.isEmpty { return bookmark }
            if ContinuousClock.now >= deadline {
                let tables = behind.keys.map(\.description).sorted().joined(separator: ", ")
                throw CaptureError(.lakeState, message: "Bronze has not caught up with the captured changes of \(tables) within \(options.timeout); is `medallion run` running against this lake?")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Rebuilds the latest change per key from bronze (highest `_seq`: per key, `_seq`
    /// is the order the changes were made in; `_txid` is not), drops keys a later TRUNCATE
    /// marker removed, and compares the result with `source`.
    /// A compaction may replace a partition's files between listing and reading them:
    /// the files listed are then gone, and the comparison starts again from a new listing.
    private func compareRetryingCompaction(_ table: CapturedTable, key: [String], source: [[ParquetValue]: [ParquetValue]],
                                           snapshot: PostgresSnapshot, bookmark: Bookmark) throws -> VerifyReport.Table {
        var attempt = 0
        while true {
            do {
                return try compare(table, key: key, source: source, snapshot: snapshot, bookmark: bookmark)
            } catch let error as LakeError where error.code == .notFound && attempt < 5 {
                attempt += 1
            }
        }
    }

    private func compare(_ table: CapturedTable, key: [String], source: [[ParquetValue]: [ParquetValue]],
                         snapshot: PostgresSnapshot, bookmark: Bookmark) throws -> VerifyReport.Table {
        var report = VerifyReport.Table(table: table.table)
        report.sourceRows = source.count
        let names = table.columns.map(\.name)
        // Latest visible change per key: (_seq, op, values in column order; nil where its file lacks the column).
        var latest: [[ParquetValue]: (Int64, String, [ParquetValue?])] = [:]
        var truncatedBelow = Int64.min
        var seen = Set<TablePosition>()
        for file in try lake.listFilesRecursively(BronzeLayout.tableDirectory(table.table)) {
            guard !LakePath.isHidden(file.name), let batch = LakePaths.batch(ofFile: file.name), batch <= bookmark.batch,
                  !file.path.split(separator: "/").contains(where: { LakePath.isHidden(String($0)) }) else { continue }
            let reader = try ParquetReader(bytes: try lake.read(file.path))
            let columnNames = reader.schema.columns.map(\.name)
            let columns = try reader.readColumns()
            guard let txidIndex = columnNames.firstIndex(of: "_txid"), let seqIndex = columnNames.firstIndex(of: "_seq"),
                  let opIndex = columnNames.firstIndex(of: "_op") else {
                throw CaptureError(.lakeState, message: "The bronze file \(file.path) lacks the capture columns _op, _txid, _seq.")
            }
            let overflowIndex = columnNames.firstIndex(of: CaptureMetadataColumn.overflow)
            let keyIndexes = key.map { columnNames.firstIndex(of: $0) }
            let valueIndexes = names.map { columnNames.firstIndex(of: $0) }
            for row in 0..<reader.rowCount {
                guard case .int(let txid) = columns[txidIndex][row], case .int(let seq) = columns[seqIndex][row] else { continue }
                let position = TablePosition(txid: UInt64(txid), seq: seq)
                report.bronzeChanges += 1
                if !seen.insert(position).inserted {
                    report.duplicates += 1
                    note(&report, "duplicate change \(position) in \(file.path)")
                    continue
                }
                guard snapshot.sees(position.txid) else { continue }
                let op: String
                if case .string(let text) = columns[opIndex][row] { op = text } else { op = "?" }
                if op == "T" {
                    truncatedBelow = max(truncatedBelow, seq)
                    continue
                }
                let rowKey = keyIndexes.map { $0.map { columns[$0][row] } ?? .null }
                if let current = latest[rowKey], current.0 > seq { continue }
                let present = valueIndexes.map { $0.map { columns[$0][row] } ?? .null }
                let applied = Self.applyingOverflow(present, names: names, overflow: overflowIndex.map { columns[$0][row] } ?? .null,
                                                    types: valueIndexes.map { $0.map { reader.schema.columns[$0].type } })
                latest[rowKey] = (seq, op, zip(valueIndexes, applied).map { $0 == nil ? nil : $1 })
            }
        }
        let isGone = { (change: (Int64, String, [ParquetValue?])) in change.1 == "D" || change.0 < truncatedBelow }
        for (rowKey, change) in latest where !isGone(change) {
            report.bronzeRows += 1
            guard let sourceValues = source[rowKey] else {
                report.extra += 1
                note(&report, "extra key \(describe(rowKey))")
                continue
            }
            // A column the key's latest file lacks (added since) reads as NULL, as Spark's
            // mergeSchema and DuckDB's union_by_name read it.
            if let column = names.indices.first(where: { (change.2[$0] ?? .null) != sourceValues[$0] }) {
                report.different += 1
                note(&report, "different key \(describe(rowKey)) in column \(names[column])")
            } else {
                report.matching += 1
            }
        }
        for rowKey in source.keys where latest[rowKey].map(isGone) ?? true {
            report.missing += 1
            note(&report, "missing key \(describe(rowKey))")
        }
        return report
    }

    private func note(_ report: inout VerifyReport.Table, _ example: String) {
        if report.examples.count < 5 { report.examples.append(example) }
    }

    private func describe(_ key: [ParquetValue]) -> String {
        "(" + key.map { value in
            switch value {
            case .int(let v): String(v)
            case .string(let s): s
            default: "\(value)"
            }
        }.joined(separator: ",") + ")"
    }
}
