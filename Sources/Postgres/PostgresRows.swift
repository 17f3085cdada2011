import CLibPQ

/// The rows of a query result, copied out of libpq as text.
public struct PostgresRows: Sendable, Sequence {
    /// Column names in order.
    public var columns: [String]
    /// Each row's values as text (`nil` for SQL NULL).
    public var rows: [[String?]]
    /// The number of rows a command affected (`DELETE 42` → 42), when it says.
    public var affectedRows: Int

    init(_ result: OpaquePointer) {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        rows = (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The first column of the first row, when there is one.
    public var scalar: String? { rows.first?.first ?? nil }

    public func makeIterator() -> IndexingIterator<[[String?]]> { rows.makeIterator() }
}
