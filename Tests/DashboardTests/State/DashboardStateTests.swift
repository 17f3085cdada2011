import Foundation
import Testing
@testable import Dashboard
import LakeContract

@Suite struct DashboardStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    var state = DashboardState(instance: "test", staleAfter: 60)

    func snapshot(batch: Int, orders: Int = 5, producedAt: Date? = nil) -> GoldSnapshot {
        GoldSnapshot(branches: [BranchMetric(branch: "A", orderCount: orders, averageDeliveryHours: 2)],
                     producedAt: producedAt ?? t0, bronzeBatch: batch)
    }

    func observe(_ gold: Result<GoldReader.Reading, DashboardError>, bookmark: Bookmark? = nil) -> DashboardState.Observation {
        .init(gold: gold, bookmark: .success(bookmark))
    }

    static let down = DashboardError(.lakeUnavailable, message: "The lake could not be read (gold).")
    static let broken = DashboardError(.malformedGold, message: "gold/branch_metrics.json is not valid gold JSON.")

    @Test mutating func startsWaitingAndANewResultIsAnUpdate() {
        #expect(state.apply(observe(.success(.absent)), now: t0) == .none)
        #expect(state.health == .waiting)
        #expect(state.apply(observe(.success(.published(snapshot(batch: 1)))), now: t0) == .update)
        #expect(state.health == .current && state.version == 1)
        #expect(state.apply(observe(.success(.published(snapshot(batch: 1)))), now: t0) == .none)
        #expect(state.apply(observe(.success(.published(snapshot(batch: 2)))), now: t0) == .update)
        #expect(state.tag == "test-2")
    }

    @Test mutating func keepsTheLastGoodResultWhileTheLakeIsUnreachable() {
        _ = state.apply(observe(.success(.published(snapshot(batch: 7)))), now: t0)
        #expect(state.apply(observe(.failure(Self.down)), now: t0 + 1) == .update)
        #expect(state.snapshot?.bronzeBatch == 7)
        #expect(state.health == .unreachable(Self.down.message))
        #expect(state.unreachableSince == t0 + 1 && state.isServable)
        #expect(state.apply(observe(.failure(Self.down)), now: t0 + 2) == .none)
        #expect(state.unreachableSince == t0 + 1)
        #expect(state.apply(observe(.success(.published(snapshot(batch: 7)))), now: t0 + 3) == .update)
        #expect(state.health == .current && state.unreachableSince == nil)
    }

    @Test mutating func anUnreachableLakeWithNothingShownIsNotServable() {
        _ = state.apply(observe(.failure(Self.down)), now: t0)
        #expect(!state.isServable)
    }

    @Test mutating func malformedGoldIsReportedAndNotServable() {
        _ = state.apply(observe(.success(.published(snapshot(batch: 7)))), now: t0)
        #expect(state.apply(observe(.failure(Self.broken)), now: t0) == .update)
        #expect(state.health == .malformed(Self.broken.message) && !state.isServable)
        #expect(state.snapshot?.bronzeBatch == 7)
    }

    @Test mutating func goldThatDisappearsKeepsTheLastResultAndARewriteChangesNothing() {
        _ = state.apply(observe(.success(.published(snapshot(batch: 7)))), now: t0)
        #expect(state.apply(observe(.success(.inProgress)), now: t0) == .none)
        #expect(state.apply(observe(.success(.absent)), now: t0) == .update)
        #expect(state.health == .goldMissing && state.snapshot != nil)
    }

    @Test mutating func aMovingBookmarkIsABronzeEventAndAnUnreadableOneKeepsTheLast() {
        let first = Bookmark(batch: 10, watermark: 0, tables: [:], committedAt: LakeTimestamp.format(t0))
        #expect(state.apply(observe(.success(.absent), bookmark: first), now: t0) == .bronze)
        #expect(state.apply(.init(gold: .success(.absent), bookmark: .failure(Self.broken)), now: t0) == .none)
        #expect(state.bookmark == first)
    }

    @Test mutating func goldBehindBronzeForTooLongIsStale() {
        let gold = snapshot(batch: 7, producedAt: t0)
        _ = state.apply(observe(.success(.published(gold)), bookmark: Bookmark(batch: 7, watermark: 0, tables: [:], committedAt: LakeTimestamp.format(t0))), now: t0)
        // Idle: bronze has nothing newer, however old gold is.
        #expect(state.apply(observe(.success(.published(gold)), bookmark: Bookmark(batch: 7, watermark: 0, tables: [:], committedAt: LakeTimestamp.format(t0))), now: t0 + 600) == .none)
        #expect(!state.isStale)
        // Bronze moved on, but not for long yet... then too long.
        let newer = Bookmark(batch: 9, watermark: 0, tables: [:], committedAt: LakeTimestamp.format(t0 + 600))
        #expect(state.apply(observe(.success(.published(gold)), bookmark: newer), now: t0 + 30) == .bronze)
        #expect(state.apply(observe(.success(.published(gold)), bookmark: newer), now: t0 + 61) == .update)
        #expect(state.isStale)
        let caughtUp = snapshot(batch: 9, producedAt: t0 + 62)
        #expect(state.apply(observe(.success(.published(caughtUp)), bookmark: newer), now: t0 + 62) == .update)
        #expect(!state.isStale)
    }
}
