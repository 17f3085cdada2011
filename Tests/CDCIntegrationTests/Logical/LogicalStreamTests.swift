import Foundation
import Testing
import TestSupport
@testable import CDC

@Suite("Logical stream", .serialized)
struct LogicalStreamTests {
    static func firstID(_ transaction: LogicalTransaction?) -> String? {
        guard case .insert(let new)? = transaction?.changes.first?.operation,
              case .text(let bytes) = new.values[0] else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("after a crash between bookmark and confirmation, the resent transaction is skipped and confirmed")
    func resumeAfterBookmark() throws {
        let source = try LogicalTestSource(schema: LogicalReplicationTests.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        try source.sql.execute("BEGIN")
        try source.sql.execute("INSERT INTO orders (id) VALUES (1)")
        try source.sql.execute("INSERT INTO orders (id) VALUES (2)")
        try source.sql.execute("COMMIT")
        for id in 3 ... 4 { try source.sql.execute("INSERT INTO orders (id) VALUES ($1)", [String(id)]) }
        let configuration = LogicalStream.Configuration(slot: source.slot, publications: [source.publication])
        let dsn = source.cluster.dsn(database: source.database)

        var stream = try LogicalStream(dsn: dsn, configuration: configuration)
        let stored = try (0 ..< 3).map { _ in try #require(try stream.next(timeout: 30)) }
        #expect(stored.map(Self.firstID) == ["1", "3", "4"])
        #expect(stored[0].changes.count == 2)
        try stream.confirm(stored[0].endLSN)
        // The daemon wrote the bookmark of the second transaction, then died before confirming it.
        stream.close()
        try Poll.until("the slot confirms the first transaction") { try source.confirmedFlush() == stored[0].endLSN }

        stream = try LogicalStream(dsn: dsn, configuration: configuration, resumeAfter: stored[1].commitLSN)
        defer { stream.close() }
        let next = try #require(try stream.next(timeout: 30))
        #expect(next == stored[2])
        #expect(stream.confirmed == stored[1].endLSN, "the skipped transaction is confirmed: its bookmark exists")
    }

    @Test("next returns nil when woken from another thread")
    func wakeUp() throws {
        let source = try LogicalTestSource(schema: LogicalReplicationTests.ordersSchema, tables: ["orders"])
        defer { source.drop() }
        let stream = try LogicalStream(dsn: source.cluster.dsn(database: source.database),
                                       configuration: .init(slot: source.slot, publications: [source.publication]))
        defer { stream.close() }
        let pipe = stream.wakeUpPipe
        Thread { pipe.wakeUp() }.start()
        #expect(try stream.next(timeout: 600) == nil)
    }
}
