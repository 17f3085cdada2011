import Foundation
import Logging
import Synchronization

/// Sends WebHDFS requests: builds the URLs (authentication included), moves between HA
/// namenodes, retries transient failures with backoff and turns the rest into `LakeError`s
/// that name the path. `WebHDFSLake` composes the file operations out of its calls.
final class WebHDFSClient: Sendable {
    let configuration: WebHDFSLake.Configuration
    private let session: CurlSession
    let logger: Logger
    /// The namenode that answered last (the active one, as far as we know).
    private let active = Atomic<Int>(0)
    /// Every HTTP request sent, to a namenode or a datanode, failed ones included.
    let requestCount = Atomic<Int>(0)

    init(configuration: WebHDFSLake.Configuration, logger: Logger) {
        self.configuration = configuration
        self.session = CurlSession(maximumIdle: 4, caFile: configuration.caFile)
        self.logger = logger
    }

    /// Why one attempt failed, which decides what happens next.
    enum Failure: Error {
        /// Try the next namenode (standby, refused, unresolvable).
        case failover(String)
        /// Retry after a backoff (reset, timeout, 5xx, safe mode).
        case transient(String, safeMode: Bool)
        /// Give up now.
        case permanent(LakeError)
    }

    /// The datanode URL of a namenode's redirect, once `WebHDFSRedirectPolicy` allows it.
    func redirectTarget(_ location: String?, action: String, path: String) throws -> String {
        guard let location else {
            throw Failure.permanent(LakeError(.io, path: path,
                message: "Cannot \(action) \(display(path)): the namenode redirected without a Location header."))
        }
        if let reason = WebHDFSRedirectPolicy(configuration: configuration).refusal(location) {
            throw Failure.permanent(LakeError(.permissionDenied, path: path,
                message: "Cannot \(action) \(display(path)): the namenode redirected where this client does not follow: \(reason)."))
        }
        return location
    }

    /// The absolute HDFS path of a lake-relative path.
    func absolute(_ path: String) -> String {
        path.isEmpty ? configuration.root : configuration.root + "/" + path
    }

    /// How a path is named in messages: the full location.
    func display(_ path: String) -> String {
        path.isEmpty ? configuration.location : configuration.location + "/" + path
    }

    /// Runs `attempt` against the namenodes with failover and retries. `attempt` gets the
    /// namenode index and the attempt number (0 first).
    func withRetries<T>(_ action: String, path: String, _ attempt: (Int, Int) throws -> T) throws -> T {
        var delay = configuration.retryDelay
        var last = "no namenode answered"
        var safeMode = false
        let count = configuration.namenodes.count
        for round in 0...configuration.retries {
            if round > 0 {
                logger.warning("webhdfs request failed; retrying", metadata: [
                    "action": "\(action)", "path": "\(absolute(path))", "error": "\(last)",
                    "attempt": "\(round)", "retry_in_ms": "\(delay.wholeMilliseconds)",
                ])
                Thread.sleep(forTimeInterval: Double(delay.wholeMilliseconds) / 1000)
                delay = min(delay * 2, configuration.maximumRetryDelay)
            }
            let start = active.load(ordering: .relaxed)
            tryingNamenodes: for step in 0..<count {
                let index = (start + step) % count
                do {
                    let result = try attempt(index, round)
                    if index != start {
                        active.store(index, ordering: .relaxed)
                        logger.notice("webhdfs namenode failover", metadata: [
                            "namenode": "\(configuration.namenodes[index])",
                        ])
                    }
                    return result
                } catch let failure as Failure {
                    switch failure {
                    case .failover(let reason):
                        last = "\(configuration.namenodes[index]): \(reason)"
                        safeMode = false
                    case .transient(let reason, let isSafeMode):
                        last = reason
                        safeMode = isSafeMode
                        if index != start { active.store(index, ordering: .relaxed) }
                        break tryingNamenodes
                    case .permanent(let error):
                        throw error
                    }
                }
            }
        }
        let advice = safeMode
            ? "the namenode stays in safe mode; check `hdfs dfsadmin -safemode get` and the datanodes"
            : "check that the namenode (\(configuration.namenodes.map(\.description).joined(separator: ", "))) is up and reachable"
        throw LakeError(.unavailable, path: path,
                        message: "Cannot \(action) \(display(path)): \(last) (gave up after \(configuration.retries + 1) attempts); \(advice).")
    }

    /// The URL of an operation on a namenode.
    func url(namenode index: Int, op: String, path: String, query: [(String, String)] = []) -> String {
        let namenode = configuration.namenodes[index]
        var items = [("op", op)]
        if let token = configuration.delegationToken {
            items.append(("delegation", token))
        } else if let user = configuration.user {
            items.append(("user.name", user))
        }
        items += query
        let encodedPath = absolute(path).addingPercentEncoding(withAllowedCharacters: Self.pathCharacters) ?? absolute(path)
        let queryText = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: Self.queryCharacters) ?? $0.1)" }
            .joined(separator: "&")
        return "\(configuration.useTLS ? "https" : "http")://\(namenode.host):\(namenode.port)/webhdfs/v1\(encodedPath)?\(queryText)"
    }

    private static let pathCharacters: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~/=,:@")
        return set
    }()

    private static let queryCharacters: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~/,:@")
        return set
    }()

    /// Sends one request to a namenode (`toNamenode`) or a datanode and classifies what
    /// went wrong. Answers in `accept` are returned; everything else throws a `Failure`.
    func send(_ method: CurlSession.Method, _ url: String, body: [UInt8] = [], accept: Set<Int>, toNamenode: Bool,
              action: String, path: String, sink: ((UnsafeRawBufferPointer) -> Void)? = nil) throws -> CurlSession.Response {
        requestCount.add(1, ordering: .relaxed)
        var headers: [String] = []
        if method == .put || method == .post { headers.append("Content-Type: application/octet-stream") }
        let request = CurlSession.Request(
            method: method, url: url, body: body, headers: headers,
            connectTimeoutMilliseconds: configuration.connectTimeout.wholeMilliseconds,
            timeoutMilliseconds: configuration.transferTimeout.wholeMilliseconds,
            minimumBytesPerSecond: toNamenode ? nil : configuration.minimumTransferRate)
        let response: CurlSession.Response
        do {
            response = try session.perform(request, sink: sink)
        } catch {
            let server = toNamenode ? "namenode" : "datanode"
            switch error.kind {
            case .refused, .resolve:
                let reason = "\(server) connection failed: \(error.detail)"
                throw toNamenode ? Failure.failover(reason) : Failure.transient(reason, safeMode: false)
            case .timedOut, .connection, .other:
                throw Failure.transient("\(server) \(error.detail)", safeMode: false)
            case .tls:
                throw Failure.permanent(LakeError(.unavailable, path: path,
                    message: "Cannot \(action) \(display(path)): TLS with the \(server) failed (\(error.detail)); check the certificate or set MEDALLION_HDFS_CA_FILE."))
            }
        }
        if accept.contains(response.status) { return response }
        throw classify(response, toNamenode: toNamenode, action: action, path: path)
    }

    private func classify(_ response: CurlSession.Response, toNamenode: Bool, action: String, path: String) -> Failure {
        let status = response.status
        guard let remote = WebHDFSRemoteException.parse(response.body) else {
            let text = String(decoding: response.body.prefix(200), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let reason = "HTTP \(status)\(text.isEmpty ? "" : ": \(text)")"
            if status >= 500 || status == 429 { return .transient(reason, safeMode: false) }
            if status == 401 {
                return .permanent(LakeError(.permissionDenied, path: path,
                    message: "Cannot \(action) \(display(path)): the cluster refused authentication (\(reason)); set MEDALLION_HDFS_USER or a valid MEDALLION_HDFS_TOKEN."))
            }
            return .permanent(LakeError(.io, path: path, message: "Cannot \(action) \(display(path)): unexpected answer \(reason)."))
        }
        let user = configuration.delegationToken != nil ? "the delegation token's user" : "user '\(configuration.user ?? "(none)")'"
        switch remote.kind(status: status) {
        case .notFound:
            return .permanent(LakeError(.notFound, path: path,
                message: "Cannot \(action) \(display(path)): no such file or directory (\(remote.summary))."))
        case .permissionDenied:
            return .permanent(LakeError(.permissionDenied, path: path,
                message: "Cannot \(action) \(display(path)): permission denied for \(user) (\(remote.summary)); grant it access to \(configuration.root) (hdfs dfs -chown/-chmod) or set MEDALLION_HDFS_USER / MEDALLION_HDFS_TOKEN."))
        case .quotaExceeded:
            return .permanent(LakeError(.quotaExceeded, path: path,
                message: "Cannot \(action) \(display(path)): a quota is exceeded (\(remote.summary)); raise it (hdfs dfsadmin -setSpaceQuota / -setQuota) or free space under \(configuration.root)."))
        case .safeMode:
            return .transient("the namenode is in safe mode (\(remote.summary))", safeMode: true)
        case .standby:
            return toNamenode ? .failover("standby (\(remote.summary))") : .transient(remote.summary, safeMode: false)
        case .retriable:
            return .transient("HTTP \(status) \(remote.summary)", safeMode: false)
        case .unsupported:
            return .permanent(LakeError(.io, path: path,
                message: "Cannot \(action) \(display(path)): the server does not support this request (\(remote.summary)); WebHDFS of Hadoop 3 is required."))
        case .alreadyExists, .other:
            return .permanent(LakeError(.io, path: path,
                message: "Cannot \(action) \(display(path)): \(remote.summary)."))
        }
    }

    /// Parses a JSON object answer.
    func json(_ response: CurlSession.Response, action: String, path: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw Failure.permanent(LakeError(.io, path: path,
                message: "Cannot \(action) \(display(path)): the namenode answered something that is not WebHDFS JSON."))
        }
        return object
    }
}
