import Testing
@testable import CDC

/// What a start does with a crash's intent, for every place the intent can stand against
/// the bookmark, in both capture modes.
@Suite struct RecoveryChoiceTests {
    @Test(arguments: CaptureMode.allCases)
    func noIntentLeavesNothingToDo(_ mode: CaptureMode) {
        #expect(RecoveryChoice(intent: nil, bookmark: 7, mode: mode) == .nothing)
    }

    @Test func triggerCaptureRedoesTheBatchAfterTheBookmark() {
        #expect(RecoveryChoice(intent: (8, false), bookmark: 7, mode: .trigger) == .redo)
        #expect(RecoveryChoice(intent: (1, false), bookmark: 0, mode: .trigger) == .redo)
    }

    @Test(arguments: CaptureMode.allCases, [false, true])
    func anIntentTheBookmarkHoldsIsDone(_ mode: CaptureMode, logical: Bool) {
        // The crash came after the bookmark was written, before the intent was cleared.
        #expect(RecoveryChoice(intent: (7, logical), bookmark: 7, mode: mode) == .nothing)
        #expect(RecoveryChoice(intent: (3, logical), bookmark: 7, mode: mode) == .nothing)
    }

    @Test func triggerCaptureRefusesAnIntentPastTheNextBatch() {
        #expect(RecoveryChoice(intent: (9, false), bookmark: 7, mode: .trigger) == .refuse)
        #expect(RecoveryChoice(intent: (9, true), bookmark: 7, mode: .trigger) == .refuse)
    }

    @Test func logicalCaptureDropsAnUnconfirmedLogicalBatch() {
        // The slot sends its transactions again, so it is never redone, wherever it stands.
        #expect(RecoveryChoice(intent: (8, true), bookmark: 7, mode: .logical) == .abandon)
        #expect(RecoveryChoice(intent: (12, true), bookmark: 7, mode: .logical) == .abandon)
    }

    @Test func aTriggerBatchLeftBeforeSwitchingToLogicalIsStillRedone() {
        // Its rows are in the capture tables, which the switch leaves in place.
        #expect(RecoveryChoice(intent: (8, false), bookmark: 7, mode: .logical) == .redo)
        #expect(RecoveryChoice(intent: (9, false), bookmark: 7, mode: .logical) == .refuse)
    }

    @Test func aLogicalBatchLeftBeforeSwitchingToTriggerIsRedoneLikeAnyOther() {
        // Redoing reads its ranges from the capture tables; if they do not hold its rows
        // the redo stops with the row counts (BatchCycle.recover), nothing is committed.
        #expect(RecoveryChoice(intent: (8, true), bookmark: 7, mode: .trigger) == .redo)
    }
}
