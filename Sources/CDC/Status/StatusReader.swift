import Foundation
import Lake
import Postgres
import LakeContract

/// Gathers a `StatusReport` from the lake and, when reachable, the database.
public struct StatusReader {
    let dsn: String
    let lake: any LakeStorage

    public init(dsn: String, lake: any LakeStorage) {
        self.dsn = dsn
        self.lake = lake
    }

    public func read() throws -> StatusReport {
        let bookmark = try BronzeCommitter(lake: lake, fault: .none).loadBookmark()
        let lease = try LakeLock.read(lake)
        let now = Date().timeIntervalSince1970
        var report = StatusReport(
            lake: lake.description, bookmark: bookmark,
            lastCommitAgeSeconds: Self.parse(bookmark.committedAt).map { now - $0 },
            daemon: lease,
            daemonRunning: lease.map { !$0.isStale(now: now, leaseDuration: LakeLock.leaseDuration, localHost: ProcessInfo.processInfo.hostName) } ?? false,
            tables: [], watermarkHolder: nil, watermarkVisible: nil, databaseError: nil)
        do {
            let connection = try PostgresConnection(dsn: dsn, applicationName: "medallion status")
            let catalog = CaptureCatalog(connection: connection)
            for captured in try catalog.load() {
                let position = bookmark.position(captured.table)
                let count = try connection.execute(
                    "SELECT count(*) FROM \(captured.table.quotedCaptureTable) WHERE (_txid, _seq) > ($1::xid8, $2::bigint)",
                    [String(position.txid), String(position.seq)]).scalar
                let uncaptured = try catalog.uncapturedColumns(captured)
                let missing = try !catalog.sourceExists(captured.table)
                report.tables.append(.init(table: captured.table.description, bookmark: position, backlogRows: Int(count ?? "0") ?? 0,
                                           uncapturedColumns: uncaptured.isEmpty ? nil : uncaptured, sourceMissing: missing ? true : nil))
            }
            let mode = try CaptureMode.read(connection)
            report.captureMode = mode.rawValue
            if mode == .logical, let slot = try LogicalSlotStatus.read(try CaptureMode.slot(connection), on: connection) {
                report.slot = .init(name: slot.slot, active: slot.isActive, confirmedFlushLSN: slot.confirmedFlush?.description,
                                    retainedWalBytes: slot.retainedBytes, lagBytes: slot.lagBytes, walStatus: slot.walStatus)
            }
            let holder = try connection.execute("""
                SELECT pid, extract(epoch FROM now() - xact_start), query_start::text, state, application_name, left(query, 200)
                FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
                ORDER BY age(backend_xid) DESC LIMIT 1
                """).rows.first
            report.watermarkVisible = try connection.execute("""
                SELECT rolsuper OR pg_has_role('pg_read_all_stats', 'USAGE') FROM pg_roles WHERE rolname = current_user
                """).scalar == "t"
            if let holder {
                report.watermarkHolder = .init(pid: Int(holder[0] ?? "") ?? 0, transactionAgeSeconds: Double(holder[1] ?? "") ?? 0,
                                               queryStart: holder[2], state: holder[3], applicationName: holder[4], query: holder[5])
            }
        } catch {
            report.databaseError = "\(error)"
        }
        return report
    }

    static func parse(_ timestamp: String) -> Double? {
        guard !timestamp.isEmpty else { return nil }
        return (try? Date(timestamp, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)
            .timeZone(separator: .omitted)))?.timeIntervalSince1970
            ?? (try? Date(timestamp, strategy: .iso8601))?.timeIntervalSince1970
    }
}
