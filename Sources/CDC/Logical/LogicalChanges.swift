import Foundation

/// The changes of one transaction as the stream receives them: in memory, and once they
/// pass `spillBytes` in a temporary file (`LogicalChangeSpill`), so one very large
/// transaction does not have to fit in memory.
struct LogicalChanges: Equatable {
    private(set) var count = 0
    private var memory: [LogicalChange]
    /// About how many bytes `memory` holds.
    private var bytes = 0
    private var spill: LogicalChangeSpill?
    /// How much of `spill` is this value's.
    private var spilledEnd = 0

    init(_ changes: [LogicalChange] = []) {
        memory = changes
        count = changes.count
    }

    /// Whether the changes went to a temporary file.
    var isSpilled: Bool { spill != nil }

    var first: LogicalChange? {
        var found: LogicalChange?
        _ = try? contains { change in
            found = change
            return true
        }
        return found
    }

    /// Adds a change; past `spillBytes` in memory, moves them all to a temporary file in
    /// `directory`, and the changes after them too.
    mutating func append(_ change: LogicalChange, spillBytes: Int = .max, directory: String = NSTemporaryDirectory()) throws {
        count += 1
        if let spill {
            try spill.append(change)
            spilledEnd = spill.end
            return
        }
        memory.append(change)
        bytes += Self.size(of: change)
        guard bytes > spillBytes else { return }
        let spill = try LogicalChangeSpill(directory: directory)
        for held in memory { try spill.append(held) }
        memory = []
        bytes = 0
        spilledEnd = spill.end
        self.spill = spill
    }

    /// Calls `body` with each change, in order.
    func forEach(_ body: (LogicalChange) throws -> Void) throws {
        if let spill {
            try spill.forEach(upTo: spilledEnd, body)
        } else {
            for change in memory { try body(change) }
        }
    }

    /// Whether a change satisfies `predicate` (reading them in order until one does).
    func contains(where predicate: (LogicalChange) throws -> Bool) throws -> Bool {
        guard let spill else { return try memory.contains(where: predicate) }
        struct Found: Error {}
        do {
            try spill.forEach(upTo: spilledEnd) { if try predicate($0) { throw Found() } }
            return false
        } catch is Found {
            return true
        }
    }

    /// Every change (for tests and small transactions).
    func all() throws -> [LogicalChange] {
        var changes: [LogicalChange] = []
        try forEach { changes.append($0) }
        return changes
    }

    static func == (left: LogicalChanges, right: LogicalChanges) -> Bool {
        left.count == right.count && (try? left.all()) == (try? right.all())
    }

    /// A change's values and its fixed part, as an estimate of its memory.
    private static func size(of change: LogicalChange) -> Int {
        func size(_ tuple: LogicalTuple) -> Int { 48 + 24 * tuple.count + tuple.byteCount }
        switch change.operation {
        case .insert(let new): return 96 + size(new)
        case .update(let old, let new): return 96 + size(new) + (old.map { size($0.tuple) } ?? 0)
        case .delete(let old): return 96 + size(old.tuple)
        case .truncate: return 96
        }
    }
}
