extension LogicalTuple {
    /// The positions of values the server left out as unchanged TOASTed data.
    var unchangedColumns: [Int] {
        values.indices.filter { values[$0] == .unchangedToast }
    }

    /// This row image with each unchanged TOASTed value taken from `old`, the full old
    /// row (`REPLICA IDENTITY FULL` sends it with its TOASTed values inline); nil when
    /// `old` lacks one of them too.
    func fillingUnchanged(from old: LogicalTuple) -> LogicalTuple? {
        guard old.values.count == values.count else { return nil }
        var filled = values
        for index in unchangedColumns {
            let previous = old.values[index]
            guard previous != .unchangedToast else { return nil }
            filled[index] = previous
        }
        return LogicalTuple(filled)
    }
}
