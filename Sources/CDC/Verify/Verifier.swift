import Foundation
import Lake
import Parquet

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
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        var open = true
        defer { if open { _ = try? connection.execute("ROLLBACK") } }
        guard let snapshot = PostgresSnapshot(try connection.execute("SELECT pg_current_snapshot()::text").scalar ?? "") else {
            throw PostgresError(.protocolViolation, message: "PostgreSQL returned a snapshot verify cannot read.")
        }
        var sources: [(CapturedTable, [String], [[ParquetValue]: [ParquetValue]])] = []
        var pendingThrough: [TableName: TablePosition] = [:]
        for table in captured {
            let key = try CaptureCatalog(connection: connection).primaryKey(of: table.table)
            sources.append((table, key, try sourceRows(table, key: key)))
            let last = try connection.execute(
                "SELECT _txid::text, _seq FROM \(table.table.quotedCaptureTable) ORDER BY _txid DESC, _seq DESC LIMIT 1").rows.first
            if let last, let txid = UInt64(last[0] ?? ""), let seq = Int64(last[1] ?? "") {
                pendingThrough[table.table] = TablePosition(txid: txid, seq: seq)
            }
        }
        let bookmark = try waitForBookmark(covering: pendingThrough)
        try connection.execute("COMMIT")
        open = false

        var reports: [VerifyReport.Table] = []
        for (table, key, source) in sources {
            reports.append(try compare(table, key: key, source: source, snapshot: snapshot, bookmark: bookmark))
        }
        return VerifyReport(tables: reports, batch: bookmark.batch)
    }

    private func sourceRows(_ table: CapturedTable, key: [String]) throws -> [[ParquetValue]: [ParquetValue]] {
        let names = table.columns.map(\.name)
        let keyIndexes = try key.map { column in
            guard let index = names.firstIndex(of: column) else {
                throw CaptureError(.schema, message: "The primary key column \(column) of \(table.table) is not captured; re-run `medallion install \(table.table.lakeName)`.")
            }
            return index
        }
        let decoder = BronzeRowDecoder(types: table.columns.map(\.postgresType), names: names)
        let select = table.columns.map { $0.postgresType.selectExpression(PostgresConnection.quoteIdentifier($0.name)) }
        var parser = CopyBinaryParser(expectedFieldCount: names.count)
        var rows: [[ParquetValue]: [ParquetValue]] = [:]
        try connection.copyOut("COPY (SELECT \(select.joined(separator: ", ")) FROM ONLY \(table.table.quoted)) TO STDOUT (FORMAT binary)") { chunk in
            try parser.feed(chunk) { tuple in
                let values = try decoder.values(tuple)
                rows[keyIndexes.map { values[$0] }] = values
            }
        }
        try parser.finish()
        return rows
    }

    private func waitForBookmark(covering pending: [TableName: TablePosition]) throws -> Bookmark {
        let committer = BronzeCommitter(lake: lake, fault: .none)
        let deadline = ContinuousClock.now + options.timeout
        while true {
            let bookmark = try committer.loadBookmark()
            let behind = pending.filter { bookmark.position($0.key) < $0.value }
            if behind.isEmpty { return bookmark }
            if ContinuousClock.now >= deadline {
                let tables = behind.keys.map(\.description).sorted().joined(separator: ", ")
                throw CaptureError(.lakeState, message: "Bronze has not caught up with the captured changes of \(tables) within \(options.timeout); is `medallion run` running against this lake?")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    private func compare(_ table: CapturedTable, key: [String], source: [[ParquetValue]: [ParquetValue]],
                         snapshot: PostgresSnapshot, bookmark: Bookmark) throws -> VerifyReport.Table {
        var report = VerifyReport.Table(table: table.table)
        report.sourceRows = source.count
        let names = table.columns.map(\.name)
        // Latest visible change per key: (position, op, values by column name present in its file).
        var latest: [[ParquetValue]: (TablePosition, String, [String: ParquetValue])] = [:]
        var seen = Set<TablePosition>()
        for file in try lake.listFilesRecursively(BronzeLayout.tableDirectory(table.table)) {
            guard !LakePath.isHidden(file.name), let batch = BronzeLayout.batch(ofFile: file.name), batch <= bookmark.batch,
                  !file.path.split(separator: "/").contains(where: { LakePath.isHidden(String($0)) }) else { continue }
            let reader = try ParquetReader(bytes: try lake.read(file.path))
            let columnNames = reader.schema.columns.map(\.name)
            let columns = try reader.readColumns()
            guard let txidIndex = columnNames.firstIndex(of: "_txid"), let seqIndex = columnNames.firstIndex(of: "_seq"),
                  let opIndex = columnNames.firstIndex(of: "_op") else {
                throw CaptureError(.lakeState, message: "The bronze file \(file.path) lacks the capture columns _op, _txid, _seq.")
            }
            let keyIndexes = key.map { columnNames.firstIndex(of: $0) }
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
                let rowKey = keyIndexes.map { $0.map { columns[$0][row] } ?? .null }
                if let current = latest[rowKey], current.0 > position { continue }
                var values: [String: ParquetValue] = [:]
                for (index, name) in columnNames.enumerated() where !name.hasPrefix("_") || names.contains(name) {
                    values[name] = columns[index][row]
                }
                let op: String
                if case .string(let text) = columns[opIndex][row] { op = text } else { op = "?" }
                latest[rowKey] = (position, op, values)
            }
        }
        for (rowKey, (_, op, values)) in latest where op != "D" {
            report.bronzeRows += 1
            guard let sourceValues = source[rowKey] else {
                report.extra += 1
                note(&report, "extra key \(describe(rowKey))")
                continue
            }
            let differs = names.enumerated().contains { index, name in
                values[name].map { $0 != sourceValues[index] } ?? false
            }
            if differs {
                report.different += 1
                note(&report, "different key \(describe(rowKey))")
            } else {
                report.matching += 1
            }
        }
        for rowKey in source.keys where latest[rowKey].map({ $0.1 == "D" }) ?? true {
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
