extension LogicalTuple {
    /// Whether the server left a value out as unchanged TOASTed data.
    var hasUnchangedColumns: Bool {
        (0 ..< count).contains { kind(at: $0) == .unchangedToast }
    }

    /// This row image with each unchanged TOASTed value taken from `old`, the full old
    /// row (`REPLICA IDENTITY FULL` sends it with its TOASTed values inline); nil when
    /// `old` lacks one of them too.
    func fillingUnchanged(from old: LogicalTuple) -> LogicalTuple? {
        guard old.count == count else { return nil }
        var filled = LogicalTuple()
        filled.reserve(columns: count, bytes: (0 ..< count).reduce(0) { total, index in
            total + (kind(at: index) == .unchangedToast ? old : self).range(at: index).count
        })
        for index in 0 ..< count {
            let source = kind(at: index) == .unchangedToast ? old : self
            let kind = source.kind(at: index)
            guard kind != .unchangedToast else { return nil }
            source.withBytes(at: index) { filled.append(kind, $0) }
        }
        return filled
    }
}
