import Postgres

/// The session settings under which capture and verify read values as text. A type kept
/// as its text form (interval, ranges, arrays, money, an overflowed timestamp) prints
/// according to the session, and the role's or database's defaults may differ between
/// the daemon and `verify`: both fix them, so the same value is always the same text.
enum TextSettings {
    static let script = """
        SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
        SET extra_float_digits = 3; SET bytea_output = 'hex'; SET lc_monetary = 'C'
        """

    static func apply(_ connection: PostgresConnection) throws {
        try connection.executeScript(script)
    }
}
