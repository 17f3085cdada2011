/// Builds a column chunk's dictionary with open-addressing hash tables.
///
/// Each builder gives up (returns nil) as soon as the dictionary would exceed its byte limit,
/// or when the first eighth of a large chunk is nearly all distinct values (keys, sequence
/// numbers, fine timestamps), where a dictionary would not pay and building it in full
/// would cost as much as the rest of the encoding. The chunk is then written PLAIN.
enum DictionaryBuilder {
    /// Whether a chunk of `count` values whose first `seen` values hold `distinct` distinct
    /// ones is better written without a dictionary: checked at an eighth of a chunk of 4,096
    /// or more.
    /// Also checked at 4,096 values of a chunk of 32,768 or more: all distinct so far means
    /// keys or timestamps (a column of D random values gets there with odds e^(-8M/D)).
    @inline(__always)
    static func mostlyDistinct(seen: Int, of count: Int, distinct: Int) -> Bool {
        (count >= 4096 && seen == count / 8 && distinct * 4 > seen * 3)
            || (count >= 32768 && seen == 4096 && distinct == seen)
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var h = value &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return h
    }

    /// Dictionary of fixed-width values compared by bit pattern (so NaN payloads and -0.0 survive).
    static func build<T: FixedWidthInteger>(
        _ values: UnsafeBufferPointer<T>, maxEntries: Int, indices: inout [UInt32], table: inout [Int32]
    ) -> [T]? {
        var dictionary: [T] = []
        var capacity = 1024
        var shift = UInt64(64 - 10)
        table.removeAll(keepingCapacity: true)
        table.append(contentsOf: Array(repeating: -1, count: capacity))
        indices.removeAll(keepingCapacity: true)
        indices.reserveCapacity(values.count)

        @inline(__always) func hash(_ value: T) -> UInt64 {
            if T.bitWidth > 64 {
                return mix(UInt64(truncatingIfNeeded: value) ^ mix(UInt64(truncatingIfNeeded: value >> 64)))
            }
            return mix(UInt64(truncatingIfNeeded: value))
        }

        for (position, value) in values.enumerated() {
            if mostlyDistinct(seen: position, of: values.count, distinct: dictionary.count) { return nil }
            var slot = Int(truncatingIfNeeded: hash(value) >> shift)
            let mask = capacity - 1
            var index: Int32
            while true {
                index = table[slot]
                if index < 0 || dictionary[Int(index)] == value { break }
                slot = (slot + 1) & mask
            }
            if index < 0 {
                if dictionary.count >= maxEntries { return nil }
                index = Int32(dictionary.count)
                dictionary.append(value)
                table[slot] = index
                if dictionary.count * 2 > capacity {
                    capacity *= 2
                    shift -= 1
                    table.removeAll(keepingCapacity: true)
                    table.append(contentsOf: Array(repeating: -1, count: capacity))
                    let newMask = capacity - 1
                    for (i, entry) in dictionary.enumerated() {
                        var s = Int(truncatingIfNeeded: hash(entry) >> shift)
                        while table[s] >= 0 { s = (s + 1) & newMask }
                        table[s] = Int32(i)
                    }
                }
            }
            indices.append(UInt32(index))
        }
        return dictionary
    }

    @inline(__always)
    static func hashBytes(_ value: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(value.count)
        guard let base = value.baseAddress else { return mix(h) }
        var i = 0
        let count = value.count
        while i + 8 <= count {
            h = (h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        return mix(h ^ tail)
    }

    /// Dictionary of byte strings; returns packed entries (offsets included when variable-length).
    static func build(
        _ values: ByteSlices, maxBytes: Int, indices: inout [UInt32], table: inout [Int32]
    ) -> (bytes: [UInt8], offsets: [Int], count: Int)? {
        var entryBytes: [UInt8] = []
        var entryOffsets: [Int] = [0]
        var hashes: [UInt64] = []
        var capacity = 1024
        var shift = UInt64(64 - 10)
        table.removeAll(keepingCapacity: true)
        table.append(contentsOf: Array(repeating: -1, count: capacity))
        var dictionaryBytes = 0
        indices.removeAll(keepingCapacity: true)
        indices.reserveCapacity(values.count)

        for i in 0..<values.count {
            if mostlyDistinct(seen: i, of: values.count, distinct: hashes.count) { return nil }
            let value = values[i]
            let h = hashBytes(value)
            var slot = Int(truncatingIfNeeded: h >> shift)
            let mask = capacity - 1
            var index: Int32
            while true {
                index = table[slot]
                if index < 0 { break }
                let entry = Int(index)
                if hashes[entry] == h {
                    let start = entryOffsets[entry]
                    let end = entryOffsets[entry + 1]
                    let same = entryBytes.withUnsafeBytes { all in
                        ByteSlices.equal(UnsafeRawBufferPointer(rebasing: all[start..<end]), value)
                    }
                    if same { break }
                }
                slot = (slot + 1) & mask
            }
            if index < 0 {
                dictionaryBytes += value.count + 4
                if dictionaryBytes > maxBytes { return nil }
                index = Int32(hashes.count)
                entryBytes.append(contentsOf: value)
                entryOffsets.append(entryBytes.count)
                hashes.append(h)
                table[slot] = index
                if hashes.count * 2 > capacity {
                    capacity *= 2
                    shift -= 1
                    table.removeAll(keepingCapacity: true)
                    table.append(contentsOf: Array(repeating: -1, count: capacity))
                    let newMask = capacity - 1
                    for (entry, entryHash) in hashes.enumerated() {
                        var s = Int(truncatingIfNeeded: entryHash >> shift)
                        while table[s] >= 0 { s = (s + 1) & newMask }
                        table[s] = Int32(entry)
                    }
                }
            }
            indices.append(UInt32(index))
        }
        return (entryBytes, entryOffsets, hashes.count)
    }
}
