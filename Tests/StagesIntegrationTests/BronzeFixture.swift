import Foundation
import TestSupport

/// A hand-written bronze lake: batches of change rows for `orders` and `ordershistory`,
/// written as Parquet by `spark-jobs/tests/bronze_fixture.py` (pyarrow), laid out as the
/// capture daemon lays them out.
struct BronzeFixture {
    private(set) var batches: [[String: Any]] = []
    /// The last committed batch; later batches are on disk but not committed.
    var bookmark = 0
    /// Keys per file of silver's light path (light.BUCKET) for check_jobs.py; nil: its default.
    var lightBucket: Int?
    private var txid = 1000

    /// Adds a batch built by `body`.
    mutating func batch(_ number: Int, _ body: (inout Batch) -> Void) {
        var batch = Batch(number: number, txid: txid)
        body(&batch)
        txid = batch.txid
        batches.append(["batch": number, "orders": batch.orders, "ordershistory": batch.history])
        bookmark = max(bookmark, number)
    }

    struct Batch {
        let number: Int
        var txid: Int
        var orders: [[String: Any]] = []
        var history: [[String: Any]] = []

        /// An order row image; `op` I (insert), U (update) or D (delete). Columns named in
        /// `overflow` are NULL, with the given PostgreSQL text in `_overflow` (JSON).
        /// `txid` and `seq` default to the next id and to the row's position (see
        /// bronze_fixture.py).
        mutating func order(_ id: Int, branch: String, at time: String, op: String = "I", status: String = "NEW",
                            overflow: [String: String] = [:], txid: Int? = nil, seq: Int? = nil) {
            orders.append(row(["id": id, "branch": branch, "customer": "customer-\(id)", "amount": "12.50", "status": status,
                               "created_at": time, "updated_at": time], op: op, at: time, overflow: overflow, txid: txid, seq: seq))
        }

        /// A status-history row image.
        mutating func history(_ id: Int, order: Int, _ status: String, at time: String, op: String = "I",
                              overflow: [String: String] = [:], txid: Int? = nil, seq: Int? = nil) {
            history.append(row(["id": id, "order_id": order, "status": status, "changed_at": time],
                               op: op, at: time, overflow: overflow, txid: txid, seq: seq))
        }

        /// A TRUNCATE marker of `orders` or `ordershistory`: `_op` T, no source columns.
        mutating func truncate(_ table: String, at time: String, txid: Int? = nil, seq: Int? = nil) {
            let marker = row([:], op: "T", at: time, overflow: [:], txid: txid, seq: seq)
            if table == "orders" { orders.append(marker) } else { history.append(marker) }
        }

        private mutating func row(_ columns: [String: Any], op: String, at time: String, overflow: [String: String],
                                  txid: Int?, seq: Int?) -> [String: Any] {
            var row = columns
            if let txid { row["_txid"] = txid } else { self.txid += 1; row["_txid"] = self.txid }
            row["_op"] = op
            row["_changed_at"] = time
            if let seq { row["_seq"] = seq }
            if !overflow.isEmpty {
                for column in overflow.keys { row[column] = NSNull() }
                let json = try! JSONSerialization.data(withJSONObject: overflow, options: [.sortedKeys])
                row["_overflow"] = String(decoding: json, as: UTF8.self)
            }
            return row
        }
    }

    /// Writes the fixture into `lake` (a directory).
    func write(to lake: String) throws {
        let spec = try specFile(in: lake + "-spec")
        try PythonTool.runScript(Repository.root + "/spark-jobs/tests/bronze_fixture.py", [lake, spec])
    }

    /// Writes the spec as JSON into `directory` and returns its path.
    func specFile(in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/spec.json"
        var spec: [String: Any] = ["batches": batches, "bookmark": bookmark]
        if let lightBucket { spec["light_bucket"] = lightBucket }
        let data = try JSONSerialization.data(withJSONObject: spec)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// gold/branch_metrics/ as rows (branch, order_count, avg_delivery_hours).
struct BranchMetric: Equatable, CustomStringConvertible {
    var branch: String
    var orders: Int
    var hours: Double?

    var description: String { "\(branch),\(orders),\(hours.map { String($0) } ?? "")" }

    /// Reads the one CSV file of `<lake>/gold/branch_metrics/`, checking its header.
    static func read(lake: String) throws -> [BranchMetric] {
        let directory = lake + "/gold/branch_metrics"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".csv") }
        guard files.count == 1 else { throw HarnessError("expected one CSV in \(directory), found \(files)") }
        let lines = try String(contentsOfFile: directory + "/" + files[0], encoding: .utf8)
            .split(separator: "\n").map(String.init)
        guard lines.first == "branch,order_count,avg_delivery_hours" else {
            throw HarnessError("unexpected header in \(directory): \(lines.first ?? "")")
        }
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return BranchMetric(branch: fields[0], orders: Int(fields[1]) ?? -1, hours: fields[2].isEmpty ? nil : Double(fields[2]))
        }
    }
}

extension BranchMetric {
    /// The rows of `<lake>/gold/branch_daily/part-00000.csv` as text, its header checked.
    static func readDaily(lake: String) throws -> [String] {
        let path = lake + "/gold/branch_daily/part-00000.csv"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        guard lines.first == "branch,day,order_count,avg_delivery_hours" else {
            throw HarnessError("unexpected header in \(path): \(lines.first ?? "")")
        }
        return Array(lines.dropFirst())
    }
}

infix operator ≈: ComparisonPrecedence

/// Equal rows, with hours equal to within 1e-6.
func ≈ (lhs: [BranchMetric], rhs: [BranchMetric]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { a, b in
        a.branch == b.branch && a.orders == b.orders
            && ((a.hours == nil && b.hours == nil) || (a.hours != nil && b.hours != nil && abs(a.hours! - b.hours!) < 1e-6))
    }
}
