import Foundation

extension WebHDFSLake {
    /// Where the cluster is and how to talk to it.
    ///
    /// Parsed from `webhdfs://host:port[,host:port...]/root` (or `swebhdfs://` for TLS)
    /// and the `MEDALLION_HDFS_*` environment variables by `init(location:environment:)`.
    public struct Configuration: Sendable {
        /// One namenode's WebHDFS endpoint.
        public struct Namenode: Sendable, Hashable, CustomStringConvertible {
            public var host: String
            public var port: Int

            public init(host: String, port: Int) {
                self.host = host
                self.port = port
            }

            public var description: String { "\(host):\(port)" }
        }

        /// The namenodes to try, in order (HA: a StandbyException or a refused connection
        /// moves on to the next).
        public var namenodes: [Namenode]
        /// `https` (swebhdfs) instead of `http` (webhdfs).
        public var useTLS: Bool
        /// The absolute HDFS directory that is the lake root (`/lake`), without a trailing slash.
        public var root: String
        /// The user for simple authentication (`user.name`); ignored when a delegation token is given.
        public var user: String?
        /// A delegation token (`delegation=`), never logged.
        public var delegationToken: String?
        /// How long to wait for a TCP (and TLS) connection.
        public var connectTimeout: Duration = .seconds(10)
        /// How long one namenode request may take in total; for a datanode transfer, how long
        /// it may run below `minimumTransferRate` before it is given up.
        public var transferTimeout: Duration = .seconds(120)
        /// Bytes per second below which a datanode transfer counts as stalled
        /// (`MEDALLION_HDFS_MIN_RATE`): a large file takes as long as it needs while it moves.
        public var minimumTransferRate: Int = 64 * 1024
        /// Hosts besides the namenodes that redirects may lead to (`MEDALLION_HDFS_ALLOWED_HOSTS`,
        /// comma-separated; `.example.com` allows a domain). Empty: any host a namenode names.
        public var allowedHosts: [String] = []
        /// How many times a transient failure (connection reset, timeout, 5xx, safe mode,
        /// every namenode standby or refusing) is retried before the call fails.
        public var retries: Int = 5
        /// The first retry delay; it doubles up to `maximumRetryDelay`.
        public var retryDelay: Duration = .milliseconds(200)
        public var maximumRetryDelay: Duration = .seconds(5)
        /// A PEM file of CA certificates for swebhdfs, instead of the system's.
        public var caFile: String?

        public init(namenodes: [Namenode], root: String, useTLS: Bool = false, user: String? = nil,
                    delegationToken: String? = nil) {
            self.namenodes = namenodes
            self.root = root
            self.useTLS = useTLS
            self.user = user
            self.delegationToken = delegationToken
        }

        /// The location as a user writes it (no credentials).
        public var location: String {
            "\(useTLS ? "swebhdfs" : "webhdfs")://\(namenodes.map(\.description).joined(separator: ","))\(root)"
        }

        /// Parses `webhdfs://nn1:9870[,nn2:9870]/root` or `swebhdfs://...` (default ports
        /// 9870 and 9871) and reads `MEDALLION_HDFS_USER` (else `USER`),
        /// `MEDALLION_HDFS_TOKEN`, `MEDALLION_HDFS_CONNECT_TIMEOUT`, `MEDALLION_HDFS_TIMEOUT`,
        /// `MEDALLION_HDFS_MIN_RATE`, `MEDALLION_HDFS_ALLOWED_HOSTS`,
        /// `MEDALLION_HDFS_RETRIES` and `MEDALLION_HDFS_CA_FILE` from `environment`.
        public init(location: String, environment: [String: String]) throws {
            let scheme: String
            if location.hasPrefix("webhdfs://") {
                scheme = "webhdfs"
            } else if location.hasPrefix("swebhdfs://") {
                scheme = "swebhdfs"
            } else {
                throw Self.invalid(location, "it must start with webhdfs:// or swebhdfs://")
            }
            let rest = location.dropFirst(scheme.count + 3)
            guard let slash = rest.firstIndex(of: "/") else {
                throw Self.invalid(location, "it names no root directory; write webhdfs://namenode:9870/lake")
            }
            let authority = rest[..<slash]
            var root = String(rest[slash...])
            if root.contains("?") || root.contains("#") {
                throw Self.invalid(location, "it has a query or fragment; put options in MEDALLION_HDFS_* variables")
            }
            while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
            guard root != "/" else {
                throw Self.invalid(location, "the root may not be / itself; name a directory such as /lake")
            }
            let defaultPort = scheme == "webhdfs" ? 9870 : 9871
            var namenodes: [Namenode] = []
            for entry in authority.split(separator: ",", omittingEmptySubsequences: false) {
                if entry.contains("@") {
                    throw Self.invalid(location, "credentials do not belong in the URL; set MEDALLION_HDFS_USER or MEDALLION_HDFS_TOKEN")
                }
                let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
                guard let host = parts.first, !host.isEmpty, parts.count <= 2 else {
                    throw Self.invalid(location, "'\(entry)' is not host or host:port")
                }
                var port = defaultPort
                if parts.count == 2 {
                    guard let number = Int(parts[1]), (1...65535).contains(number) else {
                        throw Self.invalid(location, "'\(parts[1])' is not a port number")
                    }
                    port = number
                }
                namenodes.append(Namenode(host: String(host), port: port))
            }
            self.init(namenodes: namenodes, root: root, useTLS: scheme == "swebhdfs",
                      user: Self.nonEmpty(environment["MEDALLION_HDFS_USER"]) ?? Self.nonEmpty(environment["USER"]),
                      delegationToken: Self.nonEmpty(environment["MEDALLION_HDFS_TOKEN"]))
            if let text = Self.nonEmpty(environment["MEDALLION_HDFS_CONNECT_TIMEOUT"]) {
                connectTimeout = try Self.setting("MEDALLION_HDFS_CONNECT_TIMEOUT", text) { text throws(SettingValue.Invalid) in
                    try SettingValue.duration(text, in: Self.connectTimeoutRange)
                }
            }
            if let text = Self.nonEmpty(environment["MEDALLION_HDFS_TIMEOUT"]) {
                transferTimeout = try Self.setting("MEDALLION_HDFS_TIMEOUT", text) { text throws(SettingValue.Invalid) in
                    try SettingValue.duration(text, in: Self.transferTimeoutRange)
                }
            }
            if let text = Self.nonEmpty(environment["MEDALLION_HDFS_RETRIES"]) {
                retries = try Self.setting("MEDALLION_HDFS_RETRIES", text) { text throws(SettingValue.Invalid) in
                    try SettingValue.integer(text, in: Self.retriesRange)
                }
            }
            caFile = Self.nonEmpty(environment["MEDALLION_HDFS_CA_FILE"])
            if let text = Self.nonEmpty(environment["MEDALLION_HDFS_MIN_RATE"]) {
                guard let number = Int(text), (1...(1 << 30)).contains(number) else {
                    throw LakeError(.invalidLocation, path: text,
                                    message: "MEDALLION_HDFS_MIN_RATE=\(text) is not a whole number of bytes per second from 1 to 1073741824 (e.g. 65536).")
                }
                minimumTransferRate = number
            }
            allowedHosts = (Self.nonEmpty(environment["MEDALLION_HDFS_ALLOWED_HOSTS"]) ?? "")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        private static func nonEmpty(_ value: String?) -> String? {
            guard let value, !value.isEmpty else { return nil }
            return value
        }

        private static func invalid(_ location: String, _ reason: String) -> LakeError {
            LakeError(.invalidLocation, path: location,
                      message: "The lake location \(location) is not a valid WebHDFS URL: \(reason).")
        }

        /// The bounds of `MEDALLION_HDFS_CONNECT_TIMEOUT`, `MEDALLION_HDFS_TIMEOUT` and
        /// `MEDALLION_HDFS_RETRIES` (libcurl takes timeouts in whole milliseconds).
        static let connectTimeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(3600)
        static let transferTimeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(86_400)
        static let retriesRange: ClosedRange<Int> = 0...100

        /// Parses one `MEDALLION_HDFS_*` value, in the syntax of `SettingValue`.
        private static func setting<Value>(_ variable: String, _ text: String,
                                           _ parse: (String) throws(SettingValue.Invalid) -> Value) throws(LakeError) -> Value {
            do {
                return try parse(text)
            } catch {
                throw LakeError(.invalidLocation, path: variable, message: "\(variable)=\(text) \(error.reason).")
            }
        }
    }
}

extension Duration {
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
