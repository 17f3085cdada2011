import Testing
@testable import CDC
import LakeContract

/// The pruner's decisions without a database: when a prune may wait, how DELETEs are cut,
/// and what a failed one puts back.
@Suite struct PruneQueueTests {
    let orders = TableName(name: "orders")
    let history = TableName(name: "ordershistory")

    func intent(_ batch: UInt64, rows: Int, table: TableName? = nil) -> BatchIntent {
        let seq = Int64(batch) * 1_000
        return BatchIntent(batch: batch, watermark: batch, tables: [
            BatchIntent.TableRange(table: table ?? orders, from: TablePosition(txid: batch - 1, seq: seq - 1_000),
                                   to: TablePosition(txid: batch, seq: seq), rows: rows, columns: [], files: []),
        ], createdAt: "2026-11-30T00:00:00Z")
    }

    @Test func aCaughtUpDaemonPrunesAtOnceADrainingOneWaitsAtMostTheDeferral() {
        var queue = PruneQueue(maximumDeferral: .seconds(10), chunkRows: 100)
        let start = ContinuousClock.now
        let caughtUp = queue.add(intent(1, rows: 5), draining: false, now: start)
        let first = queue.add(intent(2, rows: 5), draining: true, now: start)
        let second = queue.add(intent(3, rows: 5), draining: true, now: start + .seconds(9))
        // The oldest deferred request is 10 s old: the prune starts, draining or not.
        let overdue = queue.add(intent(4, rows: 5), draining: true, now: start + .seconds(10))
        let again = queue.add(intent(5, rows: 5), draining: true, now: start + .seconds(11))
        #expect(caughtUp && !first && !second && overdue && !again)
        #expect(queue.pendingRows[orders] == 25)
    }

    @Test func aDeleteCoversWholeBatchesUpToTheChunk() {
        let queue = PruneQueue(maximumDeferral: .seconds(10), chunkRows: 100)
        let steps = [40, 50, 20, 300].enumerated().map { index, rows in
            PruneQueue.Step(from: TablePosition(txid: UInt64(index), seq: 0), to: TablePosition(txid: UInt64(index + 1), seq: 0),
                            rows: rows, batch: UInt64(index + 1))
        }
        let first = queue.nextDelete(of: orders, steps)
        #expect(first == PruneQueue.Delete(table: orders, from: TablePosition(txid: 0, seq: 0), to: TablePosition(txid: 2, seq: 0),
                                           steps: 2, rows: 90))
        // A batch larger than the chunk still goes whole, alone.
        let big = queue.nextDelete(of: orders, Array(steps[3...]))
        #expect(big.steps == 1 && big.rows == 300)
    }

    @Test func aPruneOfUnknownSizeIsNotBoundedBelow() {
        var queue = PruneQueue(maximumDeferral: .seconds(10), chunkRows: 100)
        _ = queue.add(intent(7, rows: 5), draining: false, now: .now)
        queue.add(through: [(orders, TablePosition(txid: 9, seq: 9))], batch: 9)
        let work = queue.take()
        let delete = queue.nextDelete(of: orders, work[orders]!)
        #expect(delete.from == nil && delete.to == TablePosition(txid: 9, seq: 9) && delete.steps == 2)
        #expect(queue.take().isEmpty)
    }

    @Test func aFailedTurnPutsItsStepsBackAheadOfNewOnes() {
        var queue = PruneQueue(maximumDeferral: .seconds(10), chunkRows: 100)
        _ = queue.add(intent(1, rows: 5), draining: false, now: .now)
        _ = queue.add(intent(2, rows: 5, table: history), draining: false, now: .now)
        let work = queue.take()
        _ = queue.add(intent(3, rows: 5), draining: false, now: .now)
        queue.putBack(work)
        #expect(queue.steps[orders]?.map(\.batch) == [1, 3])
        #expect(queue.steps[history]?.map(\.batch) == [2])
        let left = queue.deleted(5, of: orders)
        #expect(left == 5 && queue.pendingRows[history] == 5)
    }
}
