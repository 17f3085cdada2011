import Foundation
import Lake

/// The WebHDFS protocol double (`Tests/python/webhdfs_double.py`) as a child process:
/// namenode ports, a datanode port, and the control endpoint for injecting failures.
public final class WebHDFSDouble: @unchecked Sendable {
    public let process: ChildProcess
    public let directory: String
    public let namenodePorts: [Int]
    public let datanodePort: Int
    public let controlPort: Int
    private let http = CurlSession()

    public init(namenodes: Int = 1, active: Int = 0, listLimit: Int = 1000) throws {
        directory = try Repository.temporaryDirectory("medallion-webhdfs")
        process = try ChildProcess(try PythonTool.python(), [
            PythonTool.script("webhdfs_double.py"), "--root", directory + "/hdfs",
            "--namenodes", "\(namenodes)", "--active", "\(active)", "--list-limit", "\(listLimit)",
        ], environment: [:])
        try process.waitForOutput("webhdfs-double ready")
        let line = process.output.split(separator: "\n").first { $0.hasPrefix("webhdfs-double ready") } ?? ""
        func field(_ name: String) -> String {
            line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) } ?? ""
        }
        namenodePorts = field("namenodes").split(separator: ",").compactMap { Int($0) }
        datanodePort = Int(field("datanode")) ?? 0
        controlPort = Int(field("control")) ?? 0
    }

    deinit {
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The local directory behind an HDFS path.
    public func local(_ hdfsPath: String) -> String { directory + "/hdfs" + hdfsPath }

    /// A lake on the double, with quick retries so failure tests stay short.
    public func lake(root: String = "/lake", namenodes: [Int]? = nil, user: String? = "medallion", token: String? = nil,
              retries: Int = 4, transferTimeout: Duration = .seconds(10),
              configure: (inout WebHDFSLake.Configuration) -> Void = { _ in }) -> WebHDFSLake {
        var configuration = WebHDFSLake.Configuration(
            namenodes: (namenodes ?? namenodePorts).map { .init(host: "127.0.0.1", port: $0) },
            root: root, user: user, delegationToken: token)
        configuration.retries = retries
        configuration.retryDelay = .milliseconds(50)
        configuration.maximumRetryDelay = .milliseconds(400)
        configuration.connectTimeout = .seconds(2)
        configuration.transferTimeout = transferTimeout
        configure(&configuration)
        return WebHDFSLake(configuration: configuration)
    }

    /// Injects a failure: see the double's docstring for the modes.
    public func fail(_ mode: String, count: Int = -1, target: String = "namenode", ops: [String]? = nil, seconds: Double = 5,
              rate: Int? = nil, location: String? = nil) throws {
        var rule: [String: Any] = ["mode": mode, "count": count, "target": target, "seconds": seconds]
        if let ops { rule["ops"] = ops }
        if let rate { rule["rate"] = rate }
        if let location { rule["location"] = location }
        try control("/fail", rule)
    }

    public func clear() throws { try control("/clear", [:]) }

    public func setActive(_ index: Int) throws { try control("/active", ["index": index]) }

    public func resetStats() throws { try control("/reset-stats", [:]) }

    /// The first namenode's port.
    public var namenodePort: Int { namenodePorts[0] }

    /// How many failures the double has injected so far.
    public func injected() throws -> Int { try stats()["injected"] as? Int ?? 0 }

    /// The double's request counters.
    public func stats() throws -> [String: Any] {
        let response = try http.perform(.init(method: .get, url: "http://127.0.0.1:\(controlPort)/stats",
                                              connectTimeoutMilliseconds: 2000, timeoutMilliseconds: 10000))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    /// Requests per `server:OP` since the last reset.
    public func requests() throws -> [String: Int] {
        (try stats()["by_op"] as? [String: Int]) ?? [:]
    }

    private func control(_ path: String, _ body: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: body)
        let response = try http.perform(.init(method: .post, url: "http://127.0.0.1:\(controlPort)\(path)", body: Array(data),
                                              connectTimeoutMilliseconds: 2000, timeoutMilliseconds: 30000))
        guard response.status == 200 else {
            throw HarnessError("webhdfs double control \(path) answered \(response.status)")
        }
    }
}
