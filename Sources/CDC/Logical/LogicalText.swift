/// PostgreSQL's text of a value of a type bronze keeps as text, from the binary form
/// pgoutput sends: trigger capture selects the type's output, the WAL has only the binary
/// value. Covers the types whose text follows from their binary form alone under the
/// session settings capture and `verify` fix (`TextSettings`: IntervalStyle postgres,
/// DateStyle ISO, TimeZone UTC).
enum LogicalText: Sendable, Hashable {
    /// The binary form is the text (an enum's label).
    case verbatim
    /// Months, days and microseconds, printed in IntervalStyle postgres.
    case interval
    /// Microseconds since midnight.
    case time
    /// Microseconds since midnight, then the zone's offset in seconds west of UTC.
    case timeWithZone
    /// An array of elements of the type with this OID (see `LogicalArrayText`).
    case array(element: UInt32)

    /// The types kept as text that have a form, for messages.
    static let supportedTypes = "enums, interval, time, timetz, and arrays of text, integer, numeric, boolean, uuid and timestamp types"

    /// The form for `column`, when it is kept as text and its text can be given here.
    init?(_ column: CaptureColumn) {
        guard column.postgresType.isUnsupported else { return nil }
        switch column.textOutput {
        case "enum_out": self = .verbatim
        case "interval_out": self = .interval
        case "time_out": self = .time
        case "timetz_out": self = .timeWithZone
        case "array_out":
            guard let element = LogicalArrayText.elements[column.typeOid] else { return nil }
            self = .array(element: element)
        default: return nil
        }
    }

    /// The value's text as UTF-8, or nil when `bytes` is not a binary value of the form.
    func text(_ bytes: [UInt8]) -> [UInt8]? {
        switch self {
        case .verbatim:
            return bytes
        case .interval:
            guard bytes.count == 16 else { return nil }
            return bytes.withUnsafeBytes { raw in
                Array(Self.interval(micros: raw.loadBigEndian(at: 0, as: Int64.self), days: raw.loadBigEndian(at: 8, as: Int32.self),
                                    months: raw.loadBigEndian(at: 12, as: Int32.self)).utf8)
            }
        case .time:
            guard bytes.count == 8 else { return nil }
            return bytes.withUnsafeBytes { Array(Self.clock($0.loadBigEndian(at: 0, as: Int64.self)).utf8) }
        case .timeWithZone:
            guard bytes.count == 12 else { return nil }
            return bytes.withUnsafeBytes { raw in
                Array((Self.clock(raw.loadBigEndian(at: 0, as: Int64.self))
                       + Self.zone(secondsWest: Int64(raw.loadBigEndian(at: 8, as: Int32.self)))).utf8)
            }
        case .array(let element):
            return LogicalArrayText.text(bytes, element: element).map { Array($0.utf8) }
        }
    }

    /// `interval_out` in IntervalStyle postgres: `1 year 2 mons -3 days +04:05:06.5`. Each
    /// part has its own sign; a positive one after a negative one gets a `+`.
    static func interval(micros: Int64, days: Int32, months: Int32) -> String {
        var parts: [String] = []
        var previousNegative = false
        for (value, unit) in [(Int64(months / 12), "year"), (Int64(months % 12), "mon"), (Int64(days), "day")] where value != 0 {
            parts.append("\(previousNegative && value > 0 ? "+" : "")\(value) \(unit)\(value == 1 ? "" : "s")")
            previousNegative = value < 0
        }
        if parts.isEmpty || micros != 0 {
            let sign = micros < 0 ? "-" : previousNegative ? "+" : ""
            parts.append(sign + PostgresTimestamp.clockText(micros.magnitude))
        }
        return parts.joined(separator: " ")
    }

    private static func clock(_ micros: Int64) -> String { PostgresTimestamp.clockText(micros.magnitude) }

    /// The zone as `timetz_out` prints it: `+HH`, `-HH:MM` or `+HH:MM:SS` (east positive).
    private static func zone(secondsWest: Int64) -> String {
        let total = secondsWest.magnitude
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        var text = (secondsWest <= 0 ? "+" : "-") + pad(hours)
        if seconds != 0 {
            text += ":" + pad(minutes) + ":" + pad(seconds)
        } else if minutes != 0 {
            text += ":" + pad(minutes)
        }
        return text
    }

    private static func pad(_ value: UInt64) -> String {
        String(value).leftPadded(to: 2)
    }
}
