import Foundation
import Testing
import TestSupport
@testable import CDC
import LakeContract

/// What a change in bronze means (the bronze contract), against a real PostgreSQL: after
/// each case `verify` is clean, and DuckDB, rebuilding the rows from bronze on its own by
/// the contract, agrees with the source.
@Suite("Bronze contract", .serialized)
struct SemanticsTests {
    /// The rows DuckDB rebuilds from bronze, as `key,columns...` lines joined by `;`.
    static func bronzeRows(_ database: RetailDatabase, _ table: String, key: [String], columns: [String]) throws -> String {
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_latest.py",
                                          [database.lakeDirectory, table, key.joined(separator: ","), columns.joined(separator: ",")])
        let rows = seen["rows"] as? [[Any]] ?? []
        return rows.map { $0.map { $0 is NSNull ? "" : "\($0)" }.joined(separator: ",") }.joined(separator: ";")
    }

    /// The same rows as PostgreSQL holds them.
    static func sourceRows(_ database: RetailDatabase, _ table: String, key: [String], columns: [String]) throws -> String {
        let list = columns.map { "coalesce(\($0)::text, '')" }.joined(separator: ", ")
        return try database.sql("SELECT coalesce(string_agg(concat_ws(',', \(list)), ';' ORDER BY \(key.joined(separator: ", "))), '') FROM \(table)")
    }

    static func expectAgreement(_ database: RetailDatabase, _ table: String, key: [String], columns: [String],
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try database.verify(tables: [try TableName(parsing: table)])
        #expect(report.isClean, "\(report)", sourceLocation: sourceLocation)
        #expect(try bronzeRows(database, table, key: key, columns: columns) == sourceRows(database, table, key: key, columns: columns),
                sourceLocation: sourceLocation)
    }

    @Test("crossing transactions: the change made last wins, though its transaction id is lower",
          arguments: CaptureMode.allCases)
    func crossingTransactions(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(3)
        try withDaemon(database) { _ in
            // A takes its transaction id first; B updates order 1 and commits; then A
            // updates order 1 (after B's row lock is gone) and commits: A's row is the source's.
            let a = try database.connect()
            let b = try database.connect()
            try a.execute("BEGIN")
            _ = try a.execute("SELECT pg_current_xact_id()")
            try b.execute("UPDATE orders SET customer = 'by B' WHERE id = 1")
            try a.execute("UPDATE orders SET customer = 'by A' WHERE id = 1")
            try a.execute("COMMIT")
            // The same crossing with a delete: A (older id) deletes order 2 after B updated it.
            try b.execute("DELETE FROM ordershistory WHERE order_id = 2")
            try a.execute("BEGIN")
            _ = try a.execute("SELECT pg_current_xact_id()")
            try b.execute("UPDATE orders SET customer = 'B first' WHERE id = 2")
            try a.execute("DELETE FROM orders WHERE id = 2")
            try a.execute("COMMIT")
            #expect(try database.sql("SELECT customer FROM orders WHERE id = 1") == "by A")
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
        }
    }

    @Test("crossing changes split across batches: the change made last wins, whichever batch brings it",
          arguments: CaptureMode.allCases)
    func crossingAcrossBatches(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(2)
        try withDaemon(database) { _ in
            // B takes the lowest id, X the next and stays open, A the highest. A changes
            // order 1 and commits; B changes it after A and commits. Trigger capture: the
            // watermark (X) lets B's newer change into bronze first; A's older one follows
            // once X ends. Logical capture: A's change comes first (commit order), B's newer
            // one with the lower transaction id in a later batch.
            let b = try database.connect()
            let x = try database.connect()
            let a = try database.connect()
            let committer = BronzeCommitter(lake: database.lake, fault: .none)
            try b.execute("BEGIN")
            _ = try b.execute("SELECT pg_current_xact_id()")
            try x.execute("BEGIN")
            _ = try x.execute("SELECT pg_current_xact_id()")
            try a.execute("BEGIN")
            try a.execute("DELETE FROM ordershistory WHERE order_id = 2")
            try a.execute("UPDATE orders SET customer = 'older' WHERE id = 1")
            try a.execute("DELETE FROM orders WHERE id = 2")
            try a.execute("COMMIT")
            var split: UInt64?
            if mode == .logical {
                try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
                split = try committer.loadBookmark().batch
            }
            try b.execute("UPDATE orders SET customer = 'newer' WHERE id = 1")
            try b.execute("INSERT INTO orders (id, branch, customer, amount, status) VALUES (2, 'b', 'back again', 1, 'NEW')")
            try b.execute("COMMIT")
            if mode == .trigger {
                // B's change reaches bronze while X holds A's back: the split this test is about.
                let newer = try database.sql("SELECT _txid || ',' || _seq FROM cdc.orders_changes WHERE customer = 'newer'").split(separator: ",")
                let position = TablePosition(txid: UInt64(newer[0])!, seq: Int64(newer[1])!)
                split = try Poll.until("the newer change in bronze") { () -> UInt64? in
                    let bookmark = try committer.loadBookmark()
                    return bookmark.position(TableName(name: "orders")) >= position ? bookmark.batch : nil
                }
            }
            try x.execute("COMMIT")
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
            #expect(try committer.loadBookmark().batch > split ?? .max, "the second change came in a later batch")
            #expect(try database.sql("SELECT string_agg(customer, ',' ORDER BY id) FROM orders") == "newer,back again")
        }
    }

    @Test("key changes: a delete of the old key, then the new row; shifts and swaps of single and composite keys",
          arguments: CaptureMode.allCases)
    func keyChanges(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(capture: false, mode: mode)
        defer { database.drop() }
        try database.sql("""
            INSERT INTO orders (id, branch, customer, amount, status)
            SELECT g, 'b', 'customer-' || g, 1, 'NEW' FROM generate_series(1, 5) g;
            INSERT INTO ordershistory (id, order_id, status) SELECT g, g, 'NEW' FROM generate_series(3, 5) g;
            CREATE TABLE pairs (a int, b int, v text, PRIMARY KEY (a, b) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO pairs SELECT g, g, 'v' || g FROM generate_series(1, 6) g;
            CREATE TABLE slots (id int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED, v text);
            INSERT INTO slots SELECT g, 's' || g FROM generate_series(1, 6) g;
            """)
        try database.install(TableName.retailDefaults + [TableName(name: "pairs"), TableName(name: "slots")])
        try withDaemon(database) { _ in
            try database.sql("UPDATE orders SET id = id + 10000 WHERE id <= 2")
            try database.sql("UPDATE ordershistory SET id = id + 100, order_id = 10001 WHERE id = 3")
            try database.sql("UPDATE slots SET id = id + 1")  // each key shifts onto the next one's old key
            try database.sql("UPDATE slots SET id = CASE id WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE id END, v = v || '!'")  // a swap
            try database.sql("UPDATE pairs SET b = b + 1 WHERE a <= 3")
            try database.sql("UPDATE pairs SET a = 7 - a")  // composite keys swap pairwise
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
            // In bronze, the old key's delete carries its old image and comes before the new row.
            let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_latest.py",
                                              [database.lakeDirectory, "orders", "id", "id,customer"])
            let history = (seen["history"] as? [[Any]] ?? []).map { $0.map { "\($0)" }.joined(separator: ":") }
            // Triggers record a statement's deletes before its new rows; the WAL has them row by row.
            let expected = mode == .trigger ? ["D:1:customer-1", "D:2:customer-2", "U:10001:customer-1", "U:10002:customer-2"]
                : ["D:1:customer-1", "U:10001:customer-1", "D:2:customer-2", "U:10002:customer-2"]
            #expect(history.filter { !$0.hasPrefix("R:") } == expected, "\(history)")
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
            try Self.expectAgreement(database, "ordershistory", key: ["id"], columns: ["id", "order_id"])
            try Self.expectAgreement(database, "slots", key: ["id"], columns: ["id", "v"])
            try Self.expectAgreement(database, "pairs", key: ["a", "b"], columns: ["a", "b", "v"])
        }
    }

    /// A logical replication subscriber's apply worker writes with session_replication_role
    /// = replica, where ordinary triggers do not fire: a trigger-captured table fed that way
    /// reached bronze with none of its changes.
    @Test("changes written with session_replication_role = replica (a subscriber's apply worker) are captured",
          arguments: CaptureMode.allCases)
    func replicaRoleWrites(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.insertOrders(2)
            try database.sql("""
                SET session_replication_role = replica;
                INSERT INTO orders (branch, customer, amount, status) VALUES ('branch-05', 'replicated', 3, 'NEW');
                UPDATE orders SET status = 'INTRANSIT' WHERE id = 1;
                DELETE FROM ordershistory WHERE order_id = 2;
                """)
            let report = try database.verify()
            #expect(report.isClean, "\(report)")
            #expect(report.tables.map(\.matching) == [3, 1], "\(report)")
        }
    }

    @Test("a delete carries the whole old row; an update that leaves a TOASTed value unchanged keeps its value in bronze",
          arguments: CaptureMode.allCases)
    func oldImagesAndToast(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try withDaemon(database) { _ in
            try database.sql("""
                INSERT INTO orders (id, branch, customer, amount, status)
                SELECT g, 'b', (SELECT string_agg(md5(g::text || i::text), '') FROM generate_series(1, 400) i), 1, 'NEW'
                FROM generate_series(1, 3) g
                """)
            #expect(try database.sql("SELECT bool_and(pg_column_size(customer) > 2100) FROM orders") == "t", "customer is stored out of line")
            try database.sql("UPDATE orders SET status = 'INTRANSIT' WHERE id <= 2")
            try database.sql("DELETE FROM orders WHERE id = 3")
            let report = try database.verify(tables: [TableName(name: "orders")])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 2)
            let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_latest.py",
                                              [database.lakeDirectory, "orders", "id", "id,status"])
            let history = (seen["history"] as? [[Any]] ?? []).map { $0.map { "\($0)" }.joined(separator: ":") }
            #expect(history.filter { $0.hasPrefix("D:") } == ["D:3:NEW"], "\(history)")
        }
    }

    @Test("a value its bronze column cannot hold (NaN in a numeric(12,2), a timestamp past 294247) goes to _overflow as PostgreSQL's text; capture goes on",
          arguments: CaptureMode.allCases)
    func overflowingValues(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(capture: false, mode: mode)
        defer { database.drop() }
        try database.sql("CREATE TABLE readings (id int PRIMARY KEY, amount numeric(12,2), taken timestamp, noted timestamptz)")
        let readings = TableName(name: "readings")
        try database.install([readings])
        try withDaemon(database) { _ in
            try database.sql("INSERT INTO readings VALUES (1, 1.50, '2024-01-01 10:00', '2024-01-01 10:00+00')")
            try database.sql("""
                INSERT INTO readings VALUES (2, 'NaN', '294276-12-31 23:59:59.5', '294270-06-01 12:00:00.000001+00'),
                                            (3, 2.25, '2020-02-02', NULL)
                """)
            try database.sql("UPDATE readings SET amount = 'NaN' WHERE id = 1")
            try database.sql("INSERT INTO readings VALUES (4, 4.00, '0099-01-02 03:04:05', '2024-01-02 00:00+00')")
            let report = try database.verify(tables: [readings])
            #expect(report.isClean, "\(report)")
            #expect(report.tables[0].matching == 4, "\(report)")
        }
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_latest.py",
                                          [database.lakeDirectory, "readings", "id", "id,amount,_overflow"])
        let rows = (seen["rows"] as? [[Any]] ?? []).map { $0.map { $0 is NSNull ? "NULL" : "\($0)" } }
        let overflow = Dictionary(uniqueKeysWithValues: rows.compactMap { row -> (String, [String: String])? in
            guard let data = row[2].data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: String] else { return nil }
            return (row[0], object)
        })
        #expect(overflow == ["1": ["amount": "NaN"],
                             "2": ["amount": "NaN", "taken": "294276-12-31 23:59:59.5", "noted": "294270-06-01 12:00:00.000001+00"]],
                "\(rows)")
        #expect(rows.map { $0[1] } == ["NULL", "NULL", "2.25", "4.00"], "\(rows)")
    }

    /// Bronze keeps these types as PostgreSQL's text: trigger capture selects it, logical
    /// capture prints it from the binary value the WAL carries (`LogicalText`).
    @Test("enum, interval, time, timetz and array values reach bronze as PostgreSQL's text, snapshot and changes; a retype to a type logical capture cannot print stops it with what to do",
          arguments: CaptureMode.allCases)
    func valuesKeptAsText(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(capture: false, mode: mode)
        defer { database.drop() }
        try database.sql("""
            CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s "odd", ünïcode');
            CREATE TABLE moments (id int PRIMARY KEY, feeling mood, span interval, span0 interval(0), at time, at_zone timetz, at3 time(3),
                                  tags text[], grid int2[], counts int4[], big int8[], amounts numeric[], flags bool[], ids uuid[],
                                  stamps timestamptz[], names varchar(20)[], codes char(3)[]);
            INSERT INTO moments VALUES (1, 'sad', '1 year 2 months 3 days 04:05:06.5', '90 minutes', '23:59:59.999999', '12:00+05:30', '01:02:03.456',
                                        '{a,b}', '{{1,2},{3,4}}', '{1,NULL,3}', '{9223372036854775807}', '{1.50,NaN,-0.001}', '{t,f,NULL}',
                                        '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', '{"2024-01-01 10:00:00+00",infinity}', '{x}', '{ab}');
            """)
        let moments = TableName(name: "moments")
        try database.install([moments])
        let columns = ["id", "feeling", "span", "span0", "at", "at_zone", "at3", "tags", "grid", "counts", "big", "amounts", "flags", "ids",
                       "stamps", "names", "codes"]
        try withDaemon(database) { _ in
            try database.sql("""
                INSERT INTO moments VALUES
                    (2, 'it''s "odd", ünïcode', '-1 year -2 mons +3 days -04:05:06.000001', '-3 days', '00:00', '00:00:00-00', '24:00'),
                    (3, 'ok', '0', '2 mons -1 day 25:00:00', '24:00:00', '23:59:59.5-14:59', NULL),
                    (4, NULL, '-178000000 years', '1000000 hours', '12:34:56.07', '01:02:03.000004+14:59:59', '00:00:00.1'),
                    (5, 'ok', '1 mon -1 second', '-1 day +1 second', '00:00:00.000001', '10:00:00.5-00:00:01', '00:00'),
                    (6, 'sad', '12 mons', '1 day', NULL, NULL, '00:00'),
                    (7, 'sad', '-0.5 seconds', '1 year -1 mon', NULL, '23:00+01', NULL);
                UPDATE moments SET span = span / 3, feeling = 'ok' WHERE id IN (1, 4);
                DELETE FROM moments WHERE id = 6;
                INSERT INTO moments (id, tags, grid, counts, amounts, stamps, names, codes) VALUES
                    (10, '{"", NULL, "NULL", "null", "a b", "x,y", "q\\"uote", "back\\\\slash", "{brace}", "ünï", " lead", "tab	x"}',
                     '[0:1][-2:-1]={{7,8},{9,10}}', '{}', '{{1.5},{NULL}}', '{"0099-01-02 03:04:05+00","2000-01-01 00:00:00.5+00"}',
                     '{"", " "}', '{"a", NULL}'),
                    (11, '{}', '{}', '[5:5]={42}', '{}', '{}', '{}', '{}');
                UPDATE moments SET tags = array_append(tags, 'added') WHERE id = 1;
                """)
            try Self.expectAgreement(database, "moments", key: ["id"], columns: columns)
        }
        guard mode == .logical else { return }
        // A type it cannot print, arriving by DDL after install: capture stops and says why
        // instead of writing the binary value as text.
        try database.sql("ALTER TABLE moments ADD COLUMN address inet")
        try database.sql("INSERT INTO moments (id, address) VALUES (8, '10.0.0.1')")
        let stopped = try database.startDaemon()
        #expect(try stopped.waitForExit() != 0)
        #expect(stopped.output.contains("cannot print"), "\(stopped.output)")
    }

    /// Trigger capture cuts such a transaction into several batches; logical capture holds
    /// it in a temporary file while it arrives, then writes it as one batch.
    @Test("a transaction larger than --max-batch-bytes reaches bronze whole: inserts, updates, key changes and deletes",
          arguments: CaptureMode.allCases)
    func transactionLargerThanABatch(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        let batches = LockedBox(0)
        try withDaemon(database, maxBatchBytes: 1 << 20, onCommit: { _ in batches.value += 1 }) { _ in
            try database.sql("""
                BEGIN;
                INSERT INTO orders (id, branch, customer, amount, status)
                SELECT g, 'branch-' || (g % 7), repeat('c', 100) || g, g / 100.0, 'NEW' FROM generate_series(1, 20010) g;
                INSERT INTO ordershistory (order_id, status) SELECT g, 'NEW' FROM generate_series(1, 20000) g;
                UPDATE orders SET status = 'INTRANSIT' WHERE id % 3 = 0 AND id <= 20000;
                UPDATE orders SET id = id + 100000 WHERE id > 20005;
                DELETE FROM orders WHERE id BETWEEN 20001 AND 20003;
                COMMIT;
                """)
            // A debug build takes ~30 s for this one batch in logical mode (the spill read
            // back twice, ~0.6 ms a row; a release build ~0.5 s): the wait is for a hang,
            // not a speed limit.
            let report = try database.verify(timeout: .seconds(300))
            #expect(report.isClean, "\(report)")
            #expect(report.tables.map(\.matching) == [20_007, 20_000], "\(report)")
        }
        if mode == .trigger { #expect(batches.value > 1, "cut into several batches") }
    }

    @Test("TRUNCATE is a marker: keys changed before it are gone, later ones stay, between batches and within one",
          arguments: CaptureMode.allCases)
    func truncate(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(mode: mode)
        defer { database.drop() }
        try database.insertOrders(4)
        try withDaemon(database) { _ in
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
            try database.sql("TRUNCATE ordershistory, orders")
            try database.insertOrders(2, branch: "after")
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "branch"])
            try Self.expectAgreement(database, "ordershistory", key: ["id"], columns: ["id", "order_id"])
            // Within one transaction: rows before the marker go, rows after it stay.
            try database.sql("""
                BEGIN;
                INSERT INTO orders (id, branch, customer, amount, status) VALUES (500, 'x', 'gone', 1, 'NEW');
                TRUNCATE ordershistory, orders;
                INSERT INTO orders (id, branch, customer, amount, status) VALUES (501, 'x', 'kept', 1, 'NEW');
                COMMIT;
                """)
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
            #expect(try database.sql("SELECT count(*) FROM cdc.orders_changes WHERE _op = 'T'") != "0" ||
                    database.sql("SELECT count(*) FROM orders") == "1")
        }
    }

    @Test("a partitioned table is captured whole: writes through the parent, into a partition, across partitions, later partitions, partition truncate",
          arguments: CaptureMode.allCases)
    func partitionedTable(_ mode: CaptureMode) throws {
        let database = try RetailDatabase(capture: false, mode: mode)
        defer { database.drop() }
        try database.sql("""
            CREATE TABLE porders (id bigint, region text, customer text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
            CREATE TABLE porders_north PARTITION OF porders FOR VALUES IN ('north');
            CREATE TABLE porders_south PARTITION OF porders FOR VALUES IN ('south');
            INSERT INTO porders VALUES (1, 'north', 'before install'), (2, 'south', 'before install');
            """)
        let lines = try database.install([TableName(name: "porders")])
        #expect(lines.contains { $0.contains("snapshot of 2 row(s)") }, "\(lines)")
        try withDaemon(database) { _ in
            try database.sql("INSERT INTO porders VALUES (3, 'north', 'via parent'), (4, 'south', 'via parent')")
            try database.sql("INSERT INTO porders_south VALUES (5, 'south', 'into the partition')")
            try database.sql("UPDATE porders SET region = 'south' WHERE id = 3")  // moves across partitions
            try database.sql("UPDATE porders_north SET customer = 'updated in the partition' WHERE id = 1")
            try database.sql("DELETE FROM porders_south WHERE id = 4")
            try database.sql("""
                CREATE TABLE porders_east (LIKE porders);
                ALTER TABLE porders ATTACH PARTITION porders_east FOR VALUES IN ('east');
                INSERT INTO porders_east VALUES (6, 'east', 'attached later');
                UPDATE porders_east SET customer = 'attached later, updated' WHERE id = 6;
                """)
            try Self.expectAgreement(database, "porders", key: ["id", "region"], columns: ["id", "region", "customer"])
            try database.sql("TRUNCATE porders_south")
            try Self.expectAgreement(database, "porders", key: ["id", "region"], columns: ["id", "region", "customer"])
            try database.sql("TRUNCATE porders")
            try database.sql("INSERT INTO porders VALUES (7, 'east', 'after truncate')")
            try Self.expectAgreement(database, "porders", key: ["id", "region"], columns: ["id", "region", "customer"])
        }
    }

    @Test("values kept as text read the same whatever the session settings; nested domains are captured as their base type")
    func settingsAndDomains() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.sql("""
            CREATE DOMAIN required_text AS text NOT NULL;
            CREATE DOMAIN code AS required_text CHECK (length(VALUE) = 3);
            CREATE DOMAIN money2 AS numeric(12,2);
            CREATE DOMAIN amount AS money2 CHECK (VALUE >= 0);
            CREATE TABLE odd (id bigint PRIMARY KEY, c code, a amount, r tstzrange, iv interval, ip inet, m money);
            INSERT INTO odd VALUES (1, 'abc', 12.5, '[2024-01-01 00:00+00,2024-01-02 00:00+00)', '1 day 02:00:00', '::1', 12.34);
            """)
        _ = try CaptureInstaller(connection: database.connect()).install([TableName(name: "odd")])
        #expect(try database.sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'cdc.odd_changes'::regclass AND attname IN ('c', 'a') ORDER BY attname")
                == "numeric(12,2)\ntext")
        let daemon = try database.startDaemon(["PGTZ": "Asia/Tokyo", "PGOPTIONS": "-c IntervalStyle=iso_8601 -c DateStyle=German"])
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        try database.sql("INSERT INTO odd VALUES (2, 'xyz', 1, '[2024-06-01 12:00+02,)', '-3 hours', '10.0.0.0/8', 0.5)")
        for environment in [[:], ["PGTZ": "America/Los_Angeles"], ["PGOPTIONS": "-c IntervalStyle=sql_standard"]] {
            let verify = try database.medallion(["verify", "odd"], environment: environment)
            #expect(verify.status == 0, "\(environment): \(verify.output)\(verify.error)")
        }
        // A TRUNCATE marker holds NULLs, which the NOT NULL domain would have refused.
        try database.sql("TRUNCATE odd")
        #expect(try database.medallion(["verify", "odd"]).status == 0)
        let seen = try PythonTool.runJSON(Repository.root + "/Tests/python/bronze_latest.py", [database.lakeDirectory, "odd", "id", "id,ip,iv"])
        let history = (seen["history"] as? [[Any]] ?? []).map { $0.map { "\($0)" }.joined(separator: "|") }
        #expect(history.contains("R|1|::1|1 day 02:00:00"), "inet as its output function prints it, interval in the postgres style: \(history)")
    }

    @Test("a capture table created again (uninstall, install) continues _seq above what bronze holds")
    func reinstallKeepsSeqOrder() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("INSERT INTO orders (id, branch, customer, amount, status) SELECT g, 'b', 'first-' || g, 1, 'NEW' FROM generate_series(1, 3) g")
        try withDaemon(database) { _ in
            // Many changes before: the old capture table's _seq runs far past what a new
            // one counting from 1 would reach.
            for round in 1...20 { try database.sql("UPDATE orders SET customer = 'round-\(round)'") }
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
        }
        let installer = CaptureInstaller(connection: try database.connect())
        _ = try installer.uninstall([TableName(name: "orders")])
        _ = try installer.install([TableName(name: "orders")])
        try database.sql("UPDATE orders SET customer = 'after reinstall' WHERE id IN (1, 2)")
        try withDaemon(database) { _ in
            try Self.expectAgreement(database, "orders", key: ["id"], columns: ["id", "customer"])
        }
    }

    @Test("reserved column names and colliding capture names are refused at install; source writes keep working")
    func namesRefused() throws {
        let database = try RetailDatabase(capture: false)
        defer { database.drop() }
        try database.sql("""
            CREATE TABLE seqs (id int PRIMARY KEY, _seq int);
            CREATE SCHEMA a;
            CREATE TABLE a.b (id int PRIMARY KEY);
            CREATE TABLE public.a__b (id int PRIMARY KEY);
            """)
        let installer = CaptureInstaller(connection: try database.connect())
        let reserved = #expect(throws: CaptureError.self) { try installer.install([TableName(name: "seqs")]) }
        #expect(reserved?.message.contains("_seq") == true, "\(String(describing: reserved))")
        try database.sql("INSERT INTO seqs VALUES (1, 1)")
        _ = try installer.install([TableName(schema: "a", name: "b")])
        let collision = #expect(throws: CaptureError.self) { try installer.install([TableName(name: "a__b")]) }
        #expect(collision?.message.contains("a.b") == true, "\(String(describing: collision))")
        try database.sql("INSERT INTO public.a__b VALUES (1); INSERT INTO a.b VALUES (1)")
        #expect(try database.sql("SELECT count(*) FROM cdc.a__b_changes") == "1")
        let long = String(repeating: "x", count: 60)
        try database.sql("CREATE TABLE \(long) (id int PRIMARY KEY)")
        let tooLong = #expect(throws: CaptureError.self) { try installer.install([TableName(name: long)]) }
        #expect(tooLong?.message.contains("63-byte") == true, "\(String(describing: tooLong))")
    }

    @Test("the CLI takes table names in SQL identifier syntax, and verify checks every captured table by default")
    func identifierSyntaxAndVerifyAll() throws {
        let database = try RetailDatabase()
        defer { database.drop() }
        try database.sql("""
            CREATE SCHEMA "Sales Dept";
            CREATE TABLE "Sales Dept"."Odd Table" (id int PRIMARY KEY, "Value" text);
            INSERT INTO "Sales Dept"."Odd Table" VALUES (1, 'one');
            """)
        let install = try database.medallion(["install", #""Sales Dept"."Odd Table""#])
        #expect(install.status == 0, "\(install.output)\(install.error)")
        try database.insertOrders(2)
        let daemon = try database.startDaemon()
        defer {
            daemon.signal(SIGTERM)
            _ = try? daemon.waitForExit()
        }
        try database.sql(#"INSERT INTO "Sales Dept"."Odd Table" VALUES (2, 'two')"#)
        let verify = try database.medallion(["verify", "--json"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.output.utf8)) as? [String: Any]
        let tables = (report?["tables"] as? [[String: Any]] ?? []).compactMap { $0["table"] as? String }
        #expect(Set(tables) == ["public.orders", "public.ordershistory", "Sales Dept.Odd Table"], "\(tables)")
        let odd = (report?["tables"] as? [[String: Any]] ?? []).first { $0["table"] as? String == "Sales Dept.Odd Table" }
        #expect(odd?["matching"] as? Int == 2)
        // Unquoted names fold to lower case, as in psql.
        #expect(try database.medallion(["verify", "ORDERS"]).status == 0)
        let bad = try database.medallion(["verify", "Sales Dept.Odd Table"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("quote"), "\(bad.error)")
    }
}
