/// Widens pgoutput's 32-bit transaction id to the 64-bit `xid8` that bronze's `_txid`
/// holds in trigger mode (`epoch << 32 | xid`).
///
/// The stream does not carry the epoch. It follows from any full id read from the
/// server at or after the transaction started (`pg_current_snapshot()`'s xmax, read
/// before the stream is started or at any point after): a live or just-decoded xid is
/// never more than 2^31 ids behind it, so it lies in the reference's epoch, or in the
/// one before when its low bits are above the reference's.
enum FullTransactionID {
    static func widen(_ xid: UInt32, reference: UInt64) -> UInt64 {
        let epoch = reference >> 32
        if xid > UInt32(truncatingIfNeeded: reference), epoch > 0 {
            return (epoch - 1) << 32 | UInt64(xid)
        }
        return epoch << 32 | UInt64(xid)
    }
}
