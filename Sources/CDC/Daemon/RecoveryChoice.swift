/// What a start does with the intent a crash may have left (`bronze/_cdc/intent.json`),
/// decided from the intent, the bookmark and the capture mode alone; the daemon carries
/// it out. Whatever the choice, an intent's hidden temporary files are removed.
enum RecoveryChoice: Equatable, Sendable {
    /// No intent, or one of a batch the bookmark already holds.
    case nothing
    /// The batch after the bookmark was interrupted before its commit: its ranges are
    /// read again from the capture tables and it is published as planned.
    case redo
    /// A logical batch the bookmark does not hold: its transactions were never confirmed
    /// to the slot, which sends them again, so the batch is dropped.
    case abandon
    /// An intent past the batch after the bookmark: the bookmark was rolled back or
    /// replaced, and nothing can be redone safely.
    case refuse

    /// - Parameters:
    ///   - intent: the intent's batch and whether logical capture wrote it, if there is one.
    ///   - bookmark: the bookmark's batch.
    ///   - mode: how this start captures.
    init(intent: (batch: UInt64, isLogical: Bool)?, bookmark: UInt64, mode: CaptureMode) {
        guard let intent else {
            self = .nothing
            return
        }
        if mode == .logical, intent.isLogical, intent.batch > bookmark {
            self = .abandon
        } else if intent.batch == bookmark + 1 {
            self = .redo
        } else if intent.batch > bookmark + 1 {
            self = .refuse
        } else {
            self = .nothing
        }
    }
}
