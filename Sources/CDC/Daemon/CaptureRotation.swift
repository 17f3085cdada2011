import Postgres
import LakeContract

/// Prunes rotating capture tables (trigger capture: two partitions by `_gen`, writers insert
/// into the one `cdc.capture_generation` names) by truncating instead of deleting: no dead
/// rows, no vacuum, no index churn, one WAL record.
///
/// A partition is truncated only when every row in it is at or below the table's bookmark
/// (in bronze; a row of a transaction that was still open when the batch read cannot be
/// there, as reads stop at the watermark) and, checked again under an ACCESS EXCLUSIVE lock,
/// no open transaction holds a write lock on it: a writer that took the old generation
/// just before the turn makes the truncate wait (up to `lockTimeoutMilliseconds`, then the next turn
/// tries again), and its rows are read from the partition like any others until then.
/// The daemon's reads lock the capture tables before their snapshot, so a truncate never
/// empties a partition under a read that could still need it.
struct CaptureRotation {
    /// What a truncate attempt found.
    enum Outcome: Equatable {
        /// Nothing in the partition.
        case empty
        /// Its rows were all in bronze; the partition is empty now.
        case truncated(rows: Int)
        /// Rows past the bookmark: not in bronze yet.
        case notYet
        /// A transaction still holds the partition; try again later.
        case busy

        /// Whether the partition is empty now.
        var isClear: Bool {
            switch self {
            case .empty, .truncated: true
            case .notYet, .busy: false
            }
        }
    }

    /// A rotating table's partitions, by generation (quoted, schema-qualified).
    struct Partitions: Equatable {
        var byGeneration: [String]
    }

    let connection: PostgresConnection
    /// How long a truncate waits for a partition's last writers before it leaves it for
    /// the next turn; the daemon's next read waits behind it meanwhile.
    var lockTimeoutMilliseconds = 100

    /// The partitions of `table`'s capture table, or nil when it does not rotate (a plain
    /// table, from logical capture or an earlier version: pruned with DELETE).
    func partitions(of table: TableName) throws -> Partitions? {
        let rows = try connection.execute("""
            SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM '[0-9]+'), c.oid::regclass::text
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = $1::regclass
            """, [table.quotedCaptureTable]).rows
        var byGeneration: [String?] = [nil, nil]
        for row in rows {
            guard let generation = Int(row[0] ?? ""), byGeneration.indices.contains(generation) else { return nil }
            byGeneration[generation] = row[1]
        }
        let found = byGeneration.compactMap { $0 }
        return found.count == 2 ? Partitions(byGeneration: found) : nil
    }

    /// The generation writers insert into now.
    func generation() throws -> Int {
        Int(try connection.execute("SELECT pg_sequence_last_value('cdc.capture_generation')").scalar ?? "") ?? 0
    }

    /// Makes writers insert into `generation` from now on.
    func turn(to generation: Int) throws {
        try connection.execute("SELECT setval('cdc.capture_generation', $1::bigint)", [String(generation)])
    }

    /// What one turn did.
    struct Result: Equatable {
        var truncated: [TableName: Int] = [:]
        /// A partition was held by an open transaction: worth another turn soon.
        var busy = false
    }

    /// One turn over the rotating tables with a bookmark: truncates the partitions writers
    /// left; once all are clear and a current one holds rows, turns the generation and
    /// tries the partitions just left at once (caught up, everything in them is in bronze).
    func prune(_ tables: [(table: TableName, partitions: Partitions, bookmark: TablePosition)]) throws -> Result {
        var result = Result()
        func clear(_ generation: Int) throws -> Bool {
            var clear = true
            for (table, partitions, bookmark) in tables {
                let outcome = try truncate(partitions.byGeneration[generation], through: bookmark)
                if case .truncated(let rows) = outcome { result.truncated[table, default: 0] += rows }
                result.busy = result.busy || outcome == .busy
                clear = clear && outcome.isClear
            }
            return clear
        }
        let current = try generation()
        if try clear(1 - current), try tables.contains(where: { try hasRows($0.partitions.byGeneration[current]) }) {
            try turn(to: 1 - current)
            _ = try clear(current)
        }
        return result
    }

    /// Whether `partition` holds any row a reader can see.
    func hasRows(_ partition: String) throws -> Bool {
        try connection.execute("SELECT EXISTS (SELECT 1 FROM \(partition))").scalar == "t"
    }

    /// Truncates `partition` if everything in it is at or below `bookmark`.
    func truncate(_ partition: String, through bookmark: TablePosition) throws -> Outcome {
        // First without the lock, which would stop the daemon's next read while held.
        if try hasRows(partition, after: bookmark) { return .notYet }
        if try !hasRows(partition) { return .empty }
        try connection.execute("BEGIN")
        do {
            try connection.execute("SET LOCAL lock_timeout = '\(lockTimeoutMilliseconds)ms'")
            do {
                try connection.execute("LOCK TABLE \(partition) IN ACCESS EXCLUSIVE MODE")
            } catch let error as PostgresError where error.sqlState == "55P03" {
                try connection.execute("ROLLBACK")
                return .busy
            }
            // Again under the lock: rows of transactions that committed since.
            guard try !hasRows(partition, after: bookmark) else {
                try connection.execute("ROLLBACK")
                return .notYet
            }
            let rows = Int(try connection.execute("SELECT count(*) FROM \(partition)").scalar ?? "") ?? 0
            try connection.execute("TRUNCATE \(partition)")
            try connection.execute("COMMIT")
            return .truncated(rows: rows)
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    private func hasRows(_ partition: String, after bookmark: TablePosition) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM \(partition) WHERE (_txid, _seq) > ($1::xid8, $2::bigint))
            """, [String(bookmark.txid), String(bookmark.seq)]).scalar == "t"
    }
}
