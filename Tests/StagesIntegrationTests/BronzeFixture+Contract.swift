extension BronzeFixture {
    /// The bronze contract's hard cases (README "Silver and gold"), three committed batches
    /// and one not yet committed. `_txid` and `_seq` are given where order matters: the
    /// daemon reads by txid watermark, so a change with a lower `_seq` (older) can arrive
    /// in a later batch than a newer change of the same key with a lower `_txid`.
    ///   order 21   crossing: newer change (branch S, seq 2600, txid 2000) in batch 2, the
    ///              older one (X, seq 2550, txid 2002) only in batch 3: stays S
    ///   order 22   the same within batch 2: S (txid 2001, seq 2610) beats X (txid 2050,
    ///              seq 2605): stays S
    ///   order 23   key change to 24 (D 23 then U 24); its history 2301 moves to order 24,
    ///              and 2302 changes key to 2399 (D then U); older changes of the old keys
    ///              (23 at seq 2615, 2302 at seq 2625) arrive in batch 3: ignored
    ///   order 27   deleted (seq 2700), an older update (seq 2650) arrives in batch 3:
    ///              stays deleted (its history 2701 loses the order's columns)
    ///   hist 2801  deleted (seq 2700), an older update (seq 2690) arrives in batch 3:
    ///              stays deleted, so order 28 has no NEW record and is not counted
    ///   order 29   amount NULL with `{"amount":"12.50"}` → 12.50; its DELIVERED record's
    ///              changed_at NULL with its text in `_overflow` → 13:00 (3 h)
    ///   order 30   amount `NaN` → NULL; DELIVERED at a time Spark cannot hold → NULL,
    ///              so not delivered
    /// Batch 1 is written without the `_overflow` column except where a row has one.
    static var contract: BronzeFixture {
        var fixture = BronzeFixture()
        let day = "2026-02-01T"
        fixture.batch(1) { b in
            b.order(21, branch: "P", at: day + "08:00:00Z")
            b.order(22, branch: "P", at: day + "09:00:00Z")
            b.order(23, branch: "Q", at: day + "10:00:00Z")
            b.order(27, branch: "Q", at: day + "11:00:00Z")
            b.order(28, branch: "Q", at: day + "12:00:00Z")
            b.order(29, branch: "R", at: day + "10:00:00Z", overflow: ["amount": "12.50"])
            b.order(30, branch: "R", at: day + "10:30:00Z", overflow: ["amount": "NaN"])
            b.history(2101, order: 21, "NEW", at: day + "08:00:00Z")
            b.history(2201, order: 22, "NEW", at: day + "09:00:00Z")
            b.history(2301, order: 23, "NEW", at: day + "10:00:00Z")
            b.history(2302, order: 23, "DELIVERED", at: "2026-02-02T10:00:00Z")   // 24 h
            b.history(2701, order: 27, "NEW", at: day + "11:00:00Z")
            b.history(2801, order: 28, "NEW", at: day + "12:00:00Z")
            b.history(2901, order: 29, "NEW", at: day + "10:00:00Z")
            b.history(3001, order: 30, "NEW", at: day + "10:30:00Z")
        }
        fixture.batch(2) { b in  // rows in the daemon's (_txid, _seq) order
            b.order(21, branch: "S", at: day + "08:00:00Z", op: "U", txid: 2000, seq: 2600)
            b.order(22, branch: "S", at: day + "09:00:00Z", op: "U", txid: 2001, seq: 2610)
            b.order(23, branch: "Q", at: day + "10:00:00Z", op: "D", txid: 2010, seq: 2620)
            b.order(24, branch: "Q", at: day + "10:00:00Z", op: "U", txid: 2010, seq: 2621)
            b.order(27, branch: "Q", at: day + "11:00:00Z", op: "D", txid: 2020, seq: 2700)
            b.order(22, branch: "X", at: day + "09:00:00Z", op: "U", txid: 2050, seq: 2605)
            b.history(2301, order: 24, "NEW", at: day + "10:00:00Z", op: "U", txid: 2010, seq: 2620)
            b.history(2302, order: 23, "DELIVERED", at: "2026-02-02T10:00:00Z", op: "D", txid: 2010, seq: 2630)
            b.history(2399, order: 24, "DELIVERED", at: "2026-02-02T10:00:00Z", op: "U", txid: 2010, seq: 2631)
            b.history(2801, order: 28, "NEW", at: day + "12:00:00Z", op: "D", txid: 2030, seq: 2700)
            b.history(2902, order: 29, "DELIVERED", at: day + "13:00:00Z",
                      overflow: ["changed_at": "2026-02-01 13:00:00+00"], txid: 2040, seq: 2710)
            b.history(3002, order: 30, "DELIVERED", at: day + "14:00:00Z",
                      overflow: ["changed_at": "294250-01-01 00:00:00+00"], txid: 2041, seq: 2711)
        }
        fixture.batch(3) { b in  // older changes the watermark held back, and one new record
            b.order(21, branch: "X", at: day + "08:00:00Z", op: "U", txid: 2002, seq: 2550)
            b.order(23, branch: "Q", at: day + "10:00:00Z", op: "U", txid: 2011, seq: 2615)
            b.order(27, branch: "Q", at: day + "11:00:00Z", op: "U", txid: 2021, seq: 2650)
            b.history(2801, order: 28, "NEW", at: day + "12:00:00Z", op: "U", txid: 2031, seq: 2690)
            b.history(2302, order: 23, "DELIVERED", at: "2026-02-02T10:00:00Z", op: "U", txid: 2011, seq: 2625)
            b.history(2102, order: 21, "DELIVERED", at: day + "12:00:00Z")    // 4 h
        }
        fixture.batch(4) { b in  // written but not committed: must not count
            b.order(21, branch: "X", at: day + "08:00:00Z", op: "U")
            b.history(2202, order: 22, "DELIVERED", at: day + "10:00:00Z")
        }
        fixture.bookmark = 3
        return fixture
    }

    /// Gold after each committed batch of `contract`, by hand.
    /// 1: P = 21, 22 (none delivered); Q = 23 (24 h), 27, 28; R = 29, 30 (none delivered).
    /// 2: S = 21, 22; Q = 24 (24 h; 27 deleted, 28 without NEW); R = 29 (3 h), 30.
    /// 3: S = 21 (4 h), 22; Q and R unchanged.
    static let contractSteps: [[BranchMetric]] = [
        [BranchMetric(branch: "P", orders: 2, hours: nil), BranchMetric(branch: "Q", orders: 3, hours: 24.0),
         BranchMetric(branch: "R", orders: 2, hours: nil)],
        [BranchMetric(branch: "Q", orders: 1, hours: 24.0), BranchMetric(branch: "R", orders: 2, hours: 3.0),
         BranchMetric(branch: "S", orders: 2, hours: nil)],
        [BranchMetric(branch: "Q", orders: 1, hours: 24.0), BranchMetric(branch: "R", orders: 2, hours: 3.0),
         BranchMetric(branch: "S", orders: 2, hours: 4.0)],
    ]

    /// gold/order_delivery for `contract`: order_id, branch, order_date, delivery_date.
    static let contractOrders = [
        ["21", "S", "2026-02-01", "2026-02-01"], ["22", "S", "2026-02-01", "null"],
        ["24", "Q", "2026-02-01", "2026-02-02"], ["29", "R", "2026-02-01", "2026-02-01"],
        ["30", "R", "2026-02-01", "null"],
    ]

    /// silver/orders for `contract`: id, branch, amount, _seq (bronze_fixture.py numbers
    /// a row without `_seq` batch * 1000 + its position).
    static let contractSilverOrders = [
        ["21", "S", "12.50", "2600"], ["22", "S", "12.50", "2610"], ["24", "Q", "12.50", "2621"],
        ["28", "Q", "12.50", "1004"], ["29", "R", "12.50", "1005"], ["30", "R", "null", "1006"],
    ]

    /// silver/order_status for `contract`: history_id, order_id, status, branch, changed_at.
    static let contractSilverStatus = [
        ["2101", "21", "NEW", "S", "2026-02-01T08:00:00"], ["2102", "21", "DELIVERED", "S", "2026-02-01T12:00:00"],
        ["2201", "22", "NEW", "S", "2026-02-01T09:00:00"], ["2301", "24", "NEW", "Q", "2026-02-01T10:00:00"],
        ["2399", "24", "DELIVERED", "Q", "2026-02-02T10:00:00"], ["2701", "27", "NEW", "null", "2026-02-01T11:00:00"],
        ["2901", "29", "NEW", "R", "2026-02-01T10:00:00"], ["2902", "29", "DELIVERED", "R", "2026-02-01T13:00:00"],
        ["3001", "30", "NEW", "R", "2026-02-01T10:30:00"], ["3002", "30", "DELIVERED", "R", "null"],
    ]

    /// TRUNCATE markers (`_op` T) on both tables, between batches (alone in batch 2) and
    /// within a batch (history in batch 4, orders in batch 5), with older changes that
    /// arrive after them (ignored), six committed batches and one not yet committed.
    /// Orders and history number `_seq` independently (one capture table each).
    static var truncation: BronzeFixture {
        var fixture = BronzeFixture()
        let (day1, day2, day3) = ("2026-03-01T", "2026-03-02T", "2026-03-03T")
        fixture.batch(1) { b in
            b.order(31, branch: "U", at: day1 + "08:00:00Z", seq: 1001)
            b.order(32, branch: "U", at: day1 + "09:00:00Z", seq: 1002)
            b.order(33, branch: "V", at: day1 + "10:00:00Z", seq: 1003)
            b.order(34, branch: "W", at: day1 + "11:00:00Z", seq: 1004)
            b.history(3101, order: 31, "NEW", at: day1 + "08:00:00Z", seq: 1001)
            b.history(3201, order: 32, "NEW", at: day1 + "09:00:00Z", seq: 1002)
            b.history(3301, order: 33, "NEW", at: day1 + "10:00:00Z", seq: 1003)
            b.history(3401, order: 34, "NEW", at: day1 + "11:00:00Z", seq: 1004)
        }
        fixture.batch(2) { b in  // both tables truncated: everything before is gone
            b.truncate("orders", at: day1 + "12:00:00Z", seq: 2000)
            b.truncate("ordershistory", at: day1 + "12:00:00Z", seq: 2000)
        }
        fixture.batch(3) { b in
            b.order(31, branch: "U", at: day1 + "08:00:00Z", seq: 3001)                 // inserted again
            b.order(32, branch: "X", at: day1 + "09:00:00Z", op: "U", txid: 1500, seq: 1500)  // older than the marker
            b.order(35, branch: "Z", at: day2 + "08:00:00Z", seq: 3002)
            b.history(3101, order: 31, "NEW", at: day1 + "08:00:00Z", seq: 3001)
            b.history(3102, order: 31, "DELIVERED", at: day1 + "10:00:00Z", seq: 3002)   // 2 h
            b.history(3201, order: 32, "NEW", at: day1 + "09:00:00Z", op: "U", txid: 1500, seq: 1500)  // older
            b.history(3501, order: 35, "NEW", at: day2 + "08:00:00Z", seq: 3003)
        }
        fixture.batch(4) { b in  // history truncated within the batch
            b.history(3503, order: 35, "DELIVERED", at: day2 + "09:00:00Z", seq: 4001)   // before the marker: gone
            b.truncate("ordershistory", at: day2 + "12:00:00Z", seq: 4002)
            b.history(3504, order: 35, "NEW", at: day2 + "08:00:00Z", seq: 4003)
            b.history(3505, order: 35, "DELIVERED", at: day2 + "14:00:00Z", seq: 4004)   // 6 h
            b.history(3103, order: 31, "NEW", at: day1 + "08:00:00Z", seq: 4005)         // loses order 31 in batch 5
        }
        fixture.batch(5) { b in  // orders truncated within the batch
            b.order(36, branch: "Y", at: day3 + "08:00:00Z", seq: 5001)                 // before the marker: gone
            b.truncate("orders", at: day3 + "08:30:00Z", seq: 5002)
            b.order(37, branch: "Y", at: day3 + "09:00:00Z", seq: 5003)
            b.order(35, branch: "Z", at: day2 + "08:00:00Z", seq: 5004)                 // inserted again
            b.history(3506, order: 35, "DELIVERED", at: day2 + "09:00:00Z", txid: 3600, seq: 3600)  // older than batch 4's marker
            b.history(3601, order: 36, "NEW", at: day3 + "08:00:00Z", seq: 5001)
            b.history(3701, order: 37, "NEW", at: day3 + "09:00:00Z", seq: 5002)
            b.history(3702, order: 37, "DELIVERED", at: day3 + "10:30:00Z", seq: 5003)  // 1.5 h
        }
        fixture.batch(6) { b in
            b.order(36, branch: "Y", at: day3 + "08:00:00Z", op: "U", txid: 5000, seq: 5000)  // older than the marker
        }
        fixture.batch(7) { b in  // written but not committed: must not count
            b.order(38, branch: "W", at: day3 + "12:00:00Z", seq: 7001)
            b.history(3801, order: 38, "NEW", at: day3 + "12:00:00Z", seq: 7001)
        }
        fixture.bookmark = 6
        return fixture
    }

    /// Gold after each committed batch of `truncation`, by hand.
    /// 1: U = 31, 32; V = 33; W = 34 (none delivered).  2: nothing.
    /// 3: U = 31 (2 h; 32's late update ignored); Z = 35.
    /// 4: U = 31 (its history before the marker gone, a NEW again after it); Z = 35 (6 h).
    /// 5, 6: Y = 37 (1.5 h; 36 gone with the marker); Z = 35 (6 h; 3506 is older than the
    /// history marker); 31 is gone with the orders marker, its record 3103 without a branch.
    static let truncationSteps: [[BranchMetric]] = [
        [BranchMetric(branch: "U", orders: 2, hours: nil), BranchMetric(branch: "V", orders: 1, hours: nil),
         BranchMetric(branch: "W", orders: 1, hours: nil)],
        [],
        [BranchMetric(branch: "U", orders: 1, hours: 2.0), BranchMetric(branch: "Z", orders: 1, hours: nil)],
        [BranchMetric(branch: "U", orders: 1, hours: nil), BranchMetric(branch: "Z", orders: 1, hours: 6.0)],
        [BranchMetric(branch: "Y", orders: 1, hours: 1.5), BranchMetric(branch: "Z", orders: 1, hours: 6.0)],
        [BranchMetric(branch: "Y", orders: 1, hours: 1.5), BranchMetric(branch: "Z", orders: 1, hours: 6.0)],
    ]

    static let truncationSilverOrders = [["35", "Z", "12.50", "5004"], ["37", "Y", "12.50", "5003"]]

    static let truncationSilverStatus = [
        ["3103", "31", "NEW", "null", "2026-03-01T08:00:00"],
        ["3504", "35", "NEW", "Z", "2026-03-02T08:00:00"], ["3505", "35", "DELIVERED", "Z", "2026-03-02T14:00:00"],
        ["3601", "36", "NEW", "null", "2026-03-03T08:00:00"], ["3701", "37", "NEW", "Y", "2026-03-03T09:00:00"],
        ["3702", "37", "DELIVERED", "Y", "2026-03-03T10:30:00"],
    ]
}
