/// A position in the write-ahead log (`pg_lsn`): a 64-bit byte offset, written as
/// two hexadecimal halves, `16/B374D848`.
package struct LSN: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    package var rawValue: UInt64

    package init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    package init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// `0/0`: "no position" in the replication protocol (START_REPLICATION from the
    /// slot's confirmed position, a status update that confirms nothing).
    package static let zero = LSN(0)

    /// Parses `X/Y` as PostgreSQL prints it (each half 1 to 8 hex digits, either case).
    package init?(_ text: some StringProtocol) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2,
              let high = Self.half(halves[0]), let low = Self.half(halves[1]) else { return nil }
        rawValue = UInt64(high) << 32 | UInt64(low)
    }

    package var description: String {
        String(rawValue >> 32, radix: 16, uppercase: true) + "/" + String(rawValue & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    package static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func half(_ digits: some StringProtocol) -> UInt32? {
        guard (1 ... 8).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(digits, radix: 16)
    }
}
