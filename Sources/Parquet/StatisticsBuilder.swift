/// Min/max of a column chunk in the sort order its logical type requires.
enum StatisticsBuilder {
    typealias Bounds = (min: [UInt8], max: [UInt8])

    static func littleEndian<T>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func integers<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>) -> (min: T, max: T)? {
        guard var low = values.first else { return nil }
        var high = low
        for value in values {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        return (low, high)
    }

    /// NaNs are left out; a zero minimum is written as -0.0 and a zero maximum as +0.0, as the spec asks.
    static func floats<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) -> (min: T, max: T)? {
        var low = T.infinity
        var high = -T.infinity
        var seen = false
        for value in values where !value.isNaN {
            seen = true
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        guard seen else { return nil }
        if low == 0 { low = -T.zero }
        if high == 0 { high = T.zero }
        return (low, high)
    }

    static func booleans(_ values: UnsafeBufferPointer<Bool>) -> Bounds? {
        guard !values.isEmpty else { return nil }
        let anyFalse = values.contains(false)
        let anyTrue = values.contains(true)
        return ([anyFalse ? 0 : 1], [anyTrue ? 1 : 0])
    }

    /// Unsigned lexicographic order.
    static func bytes(_ values: ByteSlices) -> Bounds? {
        guard values.count > 0 else { return nil }
        var low = values[0]
        var high = low
        for i in 1..<values.count {
            let value = values[i]
            if ByteSlices.less(value, low) { low = value }
            if ByteSlices.less(high, value) { high = value }
        }
        return (Array(low), Array(high))
    }
}
