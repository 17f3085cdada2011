import Foundation
import Testing
import TestSupport

/// Silver's light path (spark-jobs/light.py) replaces a partition in one step, the files
/// of the key ranges it changes written anew and the others kept: a driver that dies at
/// any point leaves the old rows or the new ones, never neither or both, and the next run
/// removes what it left (spark-jobs/tests/check_light_writes.py).
@Suite struct LightWriteTests {
    @Test func aPartitionIsReplacedWholeWhereverTheDriverDies() throws {
        let work = try Repository.temporaryDirectory("medallion-light-writes")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try PythonTool.runJSON(Repository.root + "/spark-jobs/tests/check_light_writes.py", [work])
        func outcome(_ point: String) -> [String: Any] { result[point] as? [String: Any] ?? [:] }

        #expect(outcome("none")["after_death"] as? [Int] == [3, 5])
        #expect(outcome("none")["left"] as? Int == 0, "a write that finished leaves nothing hidden")
        #expect(outcome("before-exchange")["after_death"] as? [Int] == [1, 2, 5], "dead before the exchange: the old rows")
        #expect(outcome("after-exchange")["after_death"] as? [Int] == [3, 5], "dead after it: the new rows")
        for point in ["before-exchange", "after-exchange"] {
            let cleaned = outcome(point)["after_cleanup"] as? [Any]
            #expect((cleaned?.last as? [Any])?.isEmpty == true, "\(point): the next run removes what was left: \(result)")
        }
        #expect(outcome("emptied")["partition_exists"] as? Bool == false)
        #expect((outcome("emptied")["hidden"] as? [Any])?.isEmpty == true)
    }
}
