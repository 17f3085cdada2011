import Foundation

/// Which redirect targets a WebHDFS client follows. A namenode answers CREATE and OPEN
/// with a datanode URL; the request that follows carries the file's bytes (and the
/// delegation token, which the namenode puts into that URL), so a target is followed only
/// over `http` or `https` (`https` alone when the lake is `swebhdfs://`), without
/// credentials in the URL, and, when `MEDALLION_HDFS_ALLOWED_HOSTS` is set, only to a
/// namenode or a listed host (`dn1.example.com`, or `.example.com` for a domain).
struct WebHDFSRedirectPolicy: Sendable {
    let useTLS: Bool
    let namenodeHosts: Set<String>
    let allowedHosts: [String]

    init(configuration: WebHDFSLake.Configuration) {
        useTLS = configuration.useTLS
        namenodeHosts = Set(configuration.namenodes.map { $0.host.lowercased() })
        allowedHosts = configuration.allowedHosts.map { $0.lowercased() }
    }

    /// Why `location` may not be followed, or nil when it may. The reason names the scheme
    /// and host only: the URL itself can hold the delegation token.
    func refusal(_ location: String) -> String? {
        guard let components = URLComponents(string: location), let scheme = components.scheme?.lowercased() else {
            return "the target is not a URL"
        }
        guard scheme == "http" || scheme == "https" else {
            return "the target's scheme is \(scheme)://, not http:// or https://"
        }
        if useTLS && scheme == "http" {
            return "the target is plain http:// although the lake is swebhdfs:// (the token would travel unencrypted)"
        }
        guard components.user == nil && components.password == nil else {
            return "the target carries credentials"
        }
        guard let host = components.host?.lowercased(), !host.isEmpty else {
            return "the target names no host"
        }
        if !allowedHosts.isEmpty && !namenodeHosts.contains(host) && !allowedHosts.contains(where: { Self.matches(host, $0) }) {
            return "the host \(host) is neither a namenode nor in MEDALLION_HDFS_ALLOWED_HOSTS"
        }
        return nil
    }

    private static func matches(_ host: String, _ pattern: String) -> Bool {
        pattern.hasPrefix(".") ? host.hasSuffix(pattern) : host == pattern
    }
}
