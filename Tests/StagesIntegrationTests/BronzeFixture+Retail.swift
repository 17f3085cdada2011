extension BronzeFixture {
    /// Three committed batches and one not yet committed, covering: an order not yet
    /// delivered (counted, no delivery time), a delivery on a later date than the order,
    /// updates arriving in a later batch than their order, an order moving branch, an
    /// order deleted, an order whose history arrives a batch after it, and INTRANSIT
    /// records (dropped). `expected` is computed by hand below.
    static var retail: BronzeFixture {
        var fixture = BronzeFixture()
        fixture.batch(1) { b in
            b.order(1, branch: "A", at: "2026-01-01T10:00:00Z")
            b.history(101, order: 1, "NEW", at: "2026-01-01T10:00:00Z")
            b.order(2, branch: "A", at: "2026-01-01T11:00:00Z")
            b.history(201, order: 2, "NEW", at: "2026-01-01T11:00:00Z")
            b.order(3, branch: "B", at: "2026-01-01T12:00:00Z")
            b.history(301, order: 3, "NEW", at: "2026-01-01T12:00:00Z")
            b.history(302, order: 3, "INTRANSIT", at: "2026-01-01T13:00:00Z")
            b.history(303, order: 3, "DELIVERED", at: "2026-01-01T15:00:00Z")
            b.order(5, branch: "B", at: "2026-01-01T09:00:00Z")
            b.history(501, order: 5, "NEW", at: "2026-01-01T09:00:00Z")
            b.order(6, branch: "C", at: "2026-01-01T08:00:00Z")
            b.history(601, order: 6, "NEW", at: "2026-01-01T08:00:00Z")
            b.order(7, branch: "D", at: "2026-01-01T07:00:00Z")
            b.history(701, order: 7, "NEW", at: "2026-01-01T07:00:00Z")
        }
        fixture.batch(2) { b in
            b.history(102, order: 1, "INTRANSIT", at: "2026-01-02T09:00:00Z")
            b.order(1, branch: "A", at: "2026-01-01T10:00:00Z", op: "U", status: "DELIVERED")
            b.history(103, order: 1, "DELIVERED", at: "2026-01-02T16:00:00Z")   // 30 h, next day
            b.order(4, branch: "A", at: "2026-01-01T12:00:00Z")
            b.history(401, order: 4, "NEW", at: "2026-01-01T12:00:00Z")
            b.order(7, branch: "C", at: "2026-01-01T07:00:00Z", op: "U")        // moves D -> C
            b.order(8, branch: "B", at: "2026-01-02T10:00:00Z")                  // its NEW comes next batch
        }
        fixture.batch(3) { b in
            b.history(402, order: 4, "DELIVERED", at: "2026-01-01T14:30:00Z")   // 2.5 h
            b.history(501, order: 5, "NEW", at: "2026-01-01T09:00:00Z", op: "D")
            b.order(5, branch: "B", at: "2026-01-01T09:00:00Z", op: "D")        // order 5 is gone
            b.history(702, order: 7, "DELIVERED", at: "2026-01-01T08:00:00Z")   // 1 h
            b.history(801, order: 8, "NEW", at: "2026-01-02T10:00:00Z")
        }
        fixture.batch(4) { b in  // written but not committed: must not count
            b.history(202, order: 2, "DELIVERED", at: "2026-01-01T12:00:00Z")
            b.order(9, branch: "E", at: "2026-01-01T12:00:00Z")
            b.history(901, order: 9, "NEW", at: "2026-01-01T12:00:00Z")
        }
        fixture.bookmark = 3
        return fixture
    }

    /// Gold for `retail`, by hand: A = orders 1, 2, 4 (2 not delivered; 30 h and 2.5 h),
    /// B = orders 3, 8 (5 deleted; 8 not delivered; 3 h), C = orders 6, 7 (6 not
    /// delivered; 7 moved from D, 1 h).
    static let retailExpected = [
        BranchMetric(branch: "A", orders: 3, hours: 16.25),
        BranchMetric(branch: "B", orders: 2, hours: 3.0),
        BranchMetric(branch: "C", orders: 2, hours: 1.0),
    ]

    /// `retail` after batch 1 only: A = 1, 2 (none delivered), B = 3, 5 (3 h), C = 6, D = 7.
    static let retailAfterBatch1 = [
        BranchMetric(branch: "A", orders: 2, hours: nil),
        BranchMetric(branch: "B", orders: 2, hours: 3.0),
        BranchMetric(branch: "C", orders: 1, hours: nil),
        BranchMetric(branch: "D", orders: 1, hours: nil),
    ]

    /// `retail` with batch 4 committed and a batch 5: order 2 delivered after 1 h, order 9
    /// (branch E, not delivered), order 8 delivered after 48 h.
    static var retailNextBatch: BronzeFixture {
        var fixture = retail
        fixture.batch(5) { b in
            b.history(802, order: 8, "DELIVERED", at: "2026-01-04T10:00:00Z")
        }
        return fixture
    }

    /// A = 30, 1, 2.5 h; B = 3, 48 h; C unchanged; E = order 9.
    static let retailAfterNextBatch = [
        BranchMetric(branch: "A", orders: 3, hours: 33.5 / 3),
        BranchMetric(branch: "B", orders: 2, hours: 25.5),
        BranchMetric(branch: "C", orders: 2, hours: 1.0),
        BranchMetric(branch: "E", orders: 1, hours: nil),
    ]
}
