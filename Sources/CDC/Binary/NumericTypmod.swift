/// The `(precision, scale)` of a `numeric(p, s)` column, decoded from the
/// catalog's `atttypmod`.
struct NumericTypmod: Sendable, Hashable {
    var precision: Int
    /// May be negative (PostgreSQL 15+) or larger than `precision`.
    var scale: Int

    init(precision: Int, scale: Int) {
        self.precision = precision
        self.scale = scale
    }

    /// `nil` for an unconstrained `numeric` (typmod -1).
    init?(typmod: Int32) {
        guard typmod >= 4 else { return nil } // VARHDRSZ
        let t = Int(typmod) - 4
        precision = (t >> 16) & 0xffff
        // PostgreSQL 15 stores the scale as an 11-bit signed field; for the usual
        // 0...1000 range this equals `t & 0xffff`.
        scale = ((t & 0x7ff) ^ 1024) - 1024
    }

    /// The Parquet decimal that holds every value of this column exactly, or `nil`
    /// when it needs more than 38 digits.
    ///
    /// `numeric(5,-2)` holds integers of up to 7 digits → decimal(7, 0);
    /// `numeric(3,5)` holds values below 0.001 at scale 5 → decimal(5, 5).
    var decimal: (precision: Int, scale: Int)? {
        let p: Int, s: Int
        if scale < 0 {
            (p, s) = (precision - scale, 0)
        } else {
            (p, s) = (max(precision, scale), scale)
        }
        return p >= 1 && p <= 38 ? (p, s) : nil
    }
}
