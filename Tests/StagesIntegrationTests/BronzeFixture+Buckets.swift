extension BronzeFixture {
    /// Inserts and updates (on the light path when warm) and one delete (the Spark path between
    /// two light runs), with two keys per
    /// light-path file, so a partition holds several key-range files: keys that move
    /// partition (order 2's created_at, history 12's changed_at), a new key in a range
    /// that already has a file, an order moving branch (its status rows take the new
    /// branch), an INTRANSIT insert (dropped), and an older change arriving after a newer
    /// one (blocked).
    static var buckets: BronzeFixture {
        var fixture = BronzeFixture()
        fixture.lightBucket = 2
        fixture.batch(1) { b in
            for id in 1...6 {
                let time = "2026-01-01T0\(id):00:00Z"
                b.order(id, branch: id % 2 == 0 ? "B" : "A", at: time)
                b.history(10 + id, order: id, "NEW", at: time)
            }
            b.order(7, branch: "A", at: "2026-01-02T01:00:00Z")
            b.history(17, order: 7, "NEW", at: "2026-01-02T01:00:00Z")
        }
        fixture.batch(2) { b in
            b.order(2, branch: "B", at: "2026-01-03T02:00:00Z", op: "U")                 // to 3 January
            b.history(12, order: 2, "NEW", at: "2026-01-03T02:00:00Z", op: "U")          // to 3 January
            b.history(21, order: 1, "DELIVERED", at: "2026-01-01T15:00:00Z")             // 14 h
            b.order(1, branch: "A", at: "2026-01-01T01:00:00Z", op: "U", status: "DELIVERED")
            b.order(8, branch: "B", at: "2026-01-01T08:00:00Z")                          // beside 7's range
            b.history(18, order: 8, "NEW", at: "2026-01-01T08:00:00Z")
            b.history(22, order: 3, "INTRANSIT", at: "2026-01-01T04:00:00Z")
        }
        fixture.batch(3) { b in
            b.history(23, order: 3, "DELIVERED", at: "2026-01-02T01:00:00Z")             // 22 h
            b.order(4, branch: "C", at: "2026-01-01T04:00:00Z", op: "U")                 // B -> C
            b.order(5, branch: "Z", at: "2026-01-01T05:00:00Z", op: "U", seq: 500)       // older than its insert
            b.history(24, order: 2, "DELIVERED", at: "2026-01-03T04:00:00Z")             // 2 h
        }
        // A delete: the Spark path, which carries the light path's order index over.
        fixture.batch(4) { b in
            b.history(22, order: 3, "INTRANSIT", at: "2026-01-01T04:00:00Z", op: "D")
            b.history(25, order: 8, "DELIVERED", at: "2026-01-01T12:00:00Z")            // 4 h
        }
        // Light again: order 8's status rows, one written by the Spark run, take its branch.
        fixture.batch(5) { b in
            b.order(8, branch: "C", at: "2026-01-01T08:00:00Z", op: "U")                 // B -> C
        }
        fixture.bookmark = 5
        return fixture
    }

    /// Gold for `buckets`, by hand: A = orders 1 (14 h), 3 (22 h), 5, 7; B = orders 2 (2 h),
    /// 6; C = orders 4 (moved from B) and 8 (4 h, moved from B).
    static let bucketsExpected = [
        BranchMetric(branch: "A", orders: 4, hours: 18.0),
        BranchMetric(branch: "B", orders: 2, hours: 2.0),
        BranchMetric(branch: "C", orders: 2, hours: 4.0),
    ]

    /// Silver's partition per key for `buckets`: order 2 and history 12 on 3 January.
    static let bucketsOrderDates = [
        ["1", "2026-01-01"], ["2", "2026-01-03"], ["3", "2026-01-01"], ["4", "2026-01-01"], ["5", "2026-01-01"],
        ["6", "2026-01-01"], ["7", "2026-01-02"], ["8", "2026-01-01"],
    ]
    static let bucketsStatusDates = [
        ["11", "2026-01-01"], ["12", "2026-01-03"], ["13", "2026-01-01"], ["14", "2026-01-01"], ["15", "2026-01-01"],
        ["16", "2026-01-01"], ["17", "2026-01-02"], ["18", "2026-01-01"], ["21", "2026-01-01"], ["23", "2026-01-02"],
        ["24", "2026-01-03"], ["25", "2026-01-01"],
    ]
}
