import Foundation
import Testing
@testable import Dashboard

@Suite struct GoldStoreTests {
    func published(_ batch: Int) -> DashboardState.Observation {
        .init(gold: .success(.published(GoldSnapshot(branches: [], producedAt: nil, bronzeBatch: batch))), bookmark: .success(nil))
    }

    @Test func subscribersGetEveryChangeAfterTheStateTheySaw() async {
        let store = GoldStore(state: DashboardState(instance: "t", staleAfter: 60))
        let (initial, first) = store.subscribe()
        let (_, second) = store.subscribe()
        #expect(initial.version == 0 && store.subscriberCount == 2)
        store.apply(published(1))
        store.heartbeat()
        store.apply(published(1))  // no change, no event
        store.apply(published(2))
        store.finish()
        for stream in [first, second] {
            var versions: [String] = []
            for await event in stream {
                switch event {
                case .update(let state): versions.append(state.tag)
                case .heartbeat: versions.append("heartbeat")
                case .bronze: versions.append("bronze")
                }
            }
            #expect(versions == ["t-1", "heartbeat", "t-2"])
        }
        #expect(store.subscriberCount == 0)
    }

    @Test func aStoppedConsumerUnsubscribes() async {
        let store = GoldStore(state: DashboardState(instance: "t", staleAfter: 60))
        do {
            let (_, stream) = store.subscribe()
            _ = stream
        }
        #expect(store.subscriberCount == 0)
        store.finish()
        let (_, late) = store.subscribe()
        for await _ in late { Issue.record("a finished store yields nothing") }
    }
}
