import Foundation

/// Which database a bookmark's positions belong to. Transaction ids and `_seq` only mean
/// something on the server that handed them out: after a restore into another cluster
/// (or database), or a failover to a standby that lost the tail, the bookmark would skip
/// new changes whose ids are below it, and the pruner would delete them unread.
public struct SourceIdentity: Codable, Hashable, Sendable, CustomStringConvertible {
    /// `pg_control_system().system_identifier`: new for every `initdb` (and so for a
    /// restore into a new cluster); kept by streaming standbys.
    public var systemIdentifier: String
    /// The database's oid: new when a database is re-created or restored into one.
    public var databaseOid: String
    public var database: String

    public init(systemIdentifier: String, databaseOid: String, database: String) {
        self.systemIdentifier = systemIdentifier
        self.databaseOid = databaseOid
        self.database = database
    }

    public var description: String { "database \(database) (oid \(databaseOid)) on system \(systemIdentifier)" }
}
