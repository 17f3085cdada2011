import Synchronization

/// The `Host` headers the dashboard answers, so a page on another site cannot read it by
/// pointing its own name at this address (DNS rebinding).
///
/// Allowed: the configured listen host at the listening port; for a loopback or wildcard
/// bind also `localhost`, `127.0.0.1` and `[::1]` at that port (no other site can make a
/// browser send those); and the extra names (`MEDALLION_ALLOWED_HOSTS`): `name` on any
/// port, `name:port` on that port only. Names compare case-insensitively, a trailing dot
/// ignored; a missing port is 80.
final class AllowedHosts: Sendable {
    private let local: Set<String>
    private let anyPort: Set<String>
    private let exact: Set<String>
    private let port: Atomic<Int>

    /// - Parameters:
    ///   - bindHost: the address the server listens on.
    ///   - port: the configured port; 0 until `listening(on:)` says which.
    ///   - extra: more names, `name` or `name:port` (IPv6 addresses in brackets).
    init(bindHost: String, port: Int, extra: [String]) throws(DashboardError) {
        var local: Set<String> = []
        let bind = Self.name(bindHost)
        if !["0.0.0.0", "[::]"].contains(bind) { local.insert(bind) }
        if ["0.0.0.0", "[::]", "localhost", "[::1]"].contains(bind) || bind.hasPrefix("127.") {
            local.formUnion(["localhost", "127.0.0.1", "[::1]"])
        }
        var anyPort: Set<String> = []
        var exact: Set<String> = []
        for entry in extra.map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let bare = entry.filter { $0 == ":" }.count > 1 && !entry.hasPrefix("[") ? "[\(entry)]" : entry
            guard let (name, port) = Self.split(bare) else {
                throw DashboardError(.invalidConfiguration,
                                     message: "The allowed host \(entry) is not a host name or address, with an optional :port.")
            }
            if let port { exact.insert("\(name):\(port)") } else { anyPort.insert(name) }
        }
        self.local = local
        self.anyPort = anyPort
        self.exact = exact
        self.port = Atomic(port)
    }

    /// Records the port the server listens on (the configured one may be 0).
    func listening(on port: Int) {
        self.port.store(port, ordering: .relaxed)
    }

    /// Whether a request with this authority (`Host` header) is answered.
    func allows(_ authority: String?) -> Bool {
        guard let authority, let (name, port) = Self.split(authority) else { return false }
        if anyPort.contains(name) { return true }
        let effective = port ?? 80
        return exact.contains("\(name):\(effective)") || (local.contains(name) && effective == self.port.load(ordering: .relaxed))
    }

    /// `Name:8080` → (`name`, 8080); `[::1]` → (`[::1]`, nil); `nil` for anything malformed.
    static func split(_ authority: String) -> (name: String, port: Int?)? {
        let text = authority.lowercased()
        let nameEnd: String.Index
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            nameEnd = text.index(after: close)
        } else {
            nameEnd = text.firstIndex(of: ":") ?? text.endIndex
        }
        let name = Self.name(String(text[..<nameEnd]))
        let rest = text[nameEnd...]
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && !$0.isWhitespace && !"/@?#\\".contains($0) }) else { return nil }
        guard !rest.isEmpty else { return (name, nil) }
        guard rest.first == ":", let port = Int(rest.dropFirst()), rest.dropFirst().allSatisfy(\.isNumber),
              (1...65535).contains(port) else { return nil }
        return (name, port)
    }

    /// A name as compared: lowercased, a trailing dot dropped, IPv6 in brackets.
    private static func name(_ text: String) -> String {
        var name = text.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.contains(":") && !name.hasPrefix("[") { name = "[\(name)]" }
        return name
    }
}
