import LakeContract

extension Bookmark {
    /// Where `table`'s changes continue.
    func position(_ table: TableName) -> TablePosition {
        tables[table.description] ?? .start
    }
}
