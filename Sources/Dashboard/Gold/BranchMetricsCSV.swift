/// Parses one `part-*.csv` file of `gold/branch_metrics/`: a header naming at least
/// `branch`, `order_count` and `avg_delivery_hours` (in any order), then one row per branch.
///
/// Fields follow RFC 4180 (quotes doubled inside quoted fields) and also accept Spark's
/// default backslash escape inside quotes. An empty `avg_delivery_hours` (or `null`) means
/// no delivered order yet. An empty file (Spark writes one for an empty partition) has no rows.
enum BranchMetricsCSV {
    static let columns = ["branch", "order_count", "avg_delivery_hours"]

    static func parse(_ bytes: [UInt8], path: String) throws(DashboardError) -> [BranchMetric] {
        let records = try records(bytes, path: path).filter { $0 != [""] }
        guard let header = records.first else { return [] }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        for column in columns {
            guard let position = names.firstIndex(of: column) else {
                throw DashboardError(.malformedGold,
                                     message: "\(path) has no \(column) column (the header must be branch,order_count,avg_delivery_hours).",
                                     detail: header.joined(separator: ","))
            }
            index[column] = position
        }
        var metrics: [BranchMetric] = []
        for (number, record) in records.dropFirst().enumerated() {
            let line = number + 2
            guard record.count == header.count else {
                throw DashboardError(.malformedGold,
                                     message: "\(path) line \(line) has \(record.count) fields where the header has \(header.count).")
            }
            let branch = record[index["branch"]!]
            guard !branch.isEmpty else {
                throw DashboardError(.malformedGold, message: "\(path) line \(line) has an empty branch.")
            }
            let countText = record[index["order_count"]!].trimmingCharacters(in: .whitespaces)
            guard let orderCount = Int(countText), orderCount >= 0 else {
                throw DashboardError(.malformedGold,
                                     message: "\(path) line \(line): order_count is not a whole number.", detail: countText)
            }
            let hoursText = record[index["avg_delivery_hours"]!].trimmingCharacters(in: .whitespaces)
            var hours: Double?
            if !hoursText.isEmpty && hoursText.lowercased() != "null" {
                guard let value = Double(hoursText), value.isFinite, value >= 0 else {
                    throw DashboardError(.malformedGold,
                                         message: "\(path) line \(line): avg_delivery_hours is not a number of hours.",
                                         detail: hoursText)
                }
                hours = value
            }
            metrics.append(BranchMetric(branch: branch, orderCount: orderCount, averageDeliveryHours: hours))
        }
        return metrics
    }

    /// Splits the file into records of fields.
    private static func records(_ bytes: [UInt8], path: String) throws(DashboardError) -> [[String]] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), backslash = UInt8(ascii: "\\")
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = 0
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == backslash, index < bytes.count, bytes[index] == quote || bytes[index] == backslash {
                    field.append(bytes[index])
                    index += 1
                } else if byte == quote {
                    if index < bytes.count, bytes[index] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == quote && field.isEmpty {
                quoted = true
            } else if byte == comma {
                endField()
            } else if byte == newline || byte == carriageReturn {
                if byte == carriageReturn, index < bytes.count, bytes[index] == newline { index += 1 }
                endField()
                records.append(record)
                record.removeAll()
            } else {
                field.append(byte)
            }
        }
        if quoted {
            throw DashboardError(.malformedGold, message: "\(path) ends inside a quoted field.")
        }
        if !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}
