import Foundation
import LakeContract
import Lake
import Testing
import TestSupport
@testable import Dashboard

@Suite struct GoldReaderTests {
    let lake = MemoryLake()
    var reader: GoldReader { GoldReader(lake: lake) }

    @Test func anEmptyLakeHasNoGold() throws {
        #expect(try reader.readGold() == .absent)
        #expect(try reader.readBookmark() == nil)
    }

    @Test func readsTheCSVDirectoryAndTheMarker() throws {
        try GoldFixtures.writeCSV(lake, batch: 812, parts: [[("Lisbon", 120, 3.5)], [("Porto", 340, 5.25), ("Braga", 80, nil)]])
        try lake.writeAtomically("gold/branch_metrics/.part-00002.csv.crc", data: [0, 1, 2])
        let reading = try reader.readGold()
        guard case .published(let snapshot) = reading else { Issue.record("expected a result, got \(reading)"); return }
        #expect(snapshot.branches.count == 3)
        #expect(snapshot.bronzeBatch == 812)
        #expect(snapshot.producedAt == LakeTimestamp.parse(GoldFixtures.producedAt))
        #expect(snapshot.mostOrders?.branch == "Porto")
        #expect(snapshot.fastestDelivery?.branch == "Lisbon")
    }

    @Test func prefersTheJSONForm() throws {
        try GoldFixtures.writeCSV(lake, batch: 1, parts: [[("Old", 1, 1)]])
        try GoldFixtures.writeJSON(lake, batch: 900, branches: GoldFixtures.threeBranches)
        guard case .published(let snapshot) = try reader.readGold() else { Issue.record("expected a result"); return }
        #expect(snapshot.bronzeBatch == 900)
        #expect(snapshot.byOrders.map(\.branch) == ["Porto", "Lisbon", "Braga"])
        #expect(snapshot.byDeliveryHours.map(\.branch) == ["Lisbon", "Porto", "Braga"])
    }

    @Test func aCSVWithoutMarkerHasUnknownFreshness() throws {
        try GoldFixtures.writeCSV(lake, batch: nil, parts: [[("Lisbon", 1, 2)]])
        guard case .published(let snapshot) = try reader.readGold() else { Issue.record("expected a result"); return }
        #expect(snapshot.producedAt == nil && snapshot.bronzeBatch == nil)
    }

    @Test func aDirectoryBeingRewrittenIsInProgress() throws {
        try lake.writeAtomically("gold/branch_metrics/_temporary/0/part-0.csv", data: [])
        #expect(try reader.readGold() == .inProgress)
        try lake.delete("gold/branch_metrics/_temporary")
        try GoldFixtures.writeCSV(lake, batch: 3, parts: [[("A", 1, 1)]], success: false)
        guard case .published = try reader.readGold() else { Issue.record("expected a result"); return }
    }

    @Test func malformedJSONAndDuplicateBranchesAreMalformed() throws {
        try lake.writeAtomically(GoldReader.jsonPath, data: Array("{\"branches\":[{\"branch\":\"A\"}]}".utf8))
        #expect { try reader.readGold() } throws: { error in
            let error = error as! DashboardError
            return error.code == .malformedGold && error.message.contains("order_count")
        }
        try lake.delete(GoldReader.jsonPath)
        try GoldFixtures.writeCSV(lake, batch: 1, parts: [[("A", 1, 1)], [("A", 2, 2)]])
        #expect { try reader.readGold() } throws: { error in
            (error as! DashboardError).message.contains("Branch A appears twice")
        }
    }

    @Test func readsThePerDayFiguresOfTheSameBatch() throws {
        try GoldFixtures.writeJSON(lake, batch: 900, branches: GoldFixtures.threeBranches)
        guard case .published(let before) = try reader.readGold() else { Issue.record("expected a result"); return }
        #expect(before.days.isEmpty, "older gold has no branch_daily.json")
        try GoldFixtures.writeDaily(lake, batch: 900, rows: GoldFixtures.threeBranchesDaily)
        guard case .published(let snapshot) = try reader.readGold() else { Issue.record("expected a result"); return }
        #expect(snapshot.days.count == 5)
        #expect(snapshot.days.first == BranchDay(branch: "Lisbon", day: "2026-11-24", orderCount: 70, averageDeliveryHours: 0.25))
        let trends = snapshot.trends
        #expect(trends.days == ["2026-11-24", "2026-11-25"])
        #expect(trends.series.map(\.branch) == ["Braga", "Lisbon", "Porto"])
        #expect(trends.series[0].points == [
            .init(day: "2026-11-24", orderCount: 0, averageDeliveryHours: nil),
            .init(day: "2026-11-25", orderCount: 80, averageDeliveryHours: nil),
        ])
        // The next result's figures, published before its branch metrics: not mixed in.
        try GoldFixtures.writeDaily(lake, batch: 901, rows: [("Lisbon", "2026-11-26", 1, nil)])
        #expect(try reader.readGold() == .inProgress)
    }

    @Test func malformedPerDayFiguresAreMalformed() throws {
        try GoldFixtures.writeJSON(lake, batch: 900, branches: GoldFixtures.threeBranches)
        for (rows, message) in [([("A", "26-11-2026", 1, nil)], "invalid entry for branch 'A' on '26-11-2026'"),
                                ([("A", "2026-11-26", -1, nil)], "invalid entry"),
                                ([("A", "2026-11-26", 1, nil), ("A", "2026-11-26", 2, nil)], "Branch A appears twice for 2026-11-26")]
                                as [([(String, String, Int, Double?)], String)] {
            try GoldFixtures.writeDaily(lake, batch: 900, rows: rows)
            #expect { try reader.readGold() } throws: { error in
                (error as! DashboardError).code == .malformedGold && (error as! DashboardError).message.contains(message)
            }
        }
        try lake.writeAtomically(GoldReader.dailyPath, data: Array("{\"bronze_batch\":900}".utf8))
        #expect { try reader.readGold() } throws: { error in
            (error as! DashboardError).message == "gold/branch_daily.json is not valid gold JSON (missing rows)."
        }
    }

    @Test func anUnreachableLakeIsUnavailable() throws {
        let switchable = SwitchableLake(lake)
        switchable.isDown = true
        #expect { try GoldReader(lake: switchable).readGold() } throws: { error in
            (error as! DashboardError).code == .lakeUnavailable
        }
    }

    @Test func readsTheBronzeBookmark() throws {
        try GoldFixtures.writeBookmark(lake, batch: 840)
        let bookmark = try #require(try reader.readBookmark())
        #expect(bookmark.batch == 840)
        #expect(bookmark.committedDate == LakeTimestamp.parse("2026-11-26T10:00:05.250Z"))
    }
}
