import Synchronization

/// The source columns per table whose values have not fit their Parquet type in this
/// process: later reads select their `::text` form at once instead of reading again.
final class TextFallbackColumns: Sendable {
    private let state = Mutex<[TableName: Set<String>]>([:])

    init() {}

    func columns(of table: TableName) -> Set<String> {
        state.withLock { $0[table] ?? [] }
    }

    func add(_ column: String, to table: TableName) {
        _ = state.withLock { $0[table, default: []].insert(column) }
    }
}
