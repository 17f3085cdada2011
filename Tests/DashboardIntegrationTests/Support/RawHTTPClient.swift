import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// A minimal HTTP/1.1 client over a plain socket, so tests see exactly what a browser
/// would (headers, chunked framing, a stream that stays open). Blocking socket calls run
/// on a thread of their own, never on the cooperative pool.
final class RawHTTPClient: @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    private var fd: Int32
    private var raw: [UInt8] = []
    private var decoded: [UInt8] = []
    private var chunked = false
    private var headerDone = false

    init(port: Int, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard LocalProcesses.connectLoopback(fd, port: port) else {
            close(fd)
            throw HarnessError("cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { disconnect() }

    /// Closes the connection now, as a browser tab that goes away.
    func disconnect() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// `GET path` on a fresh connection, read to the end; `host` is the `Host` header (a
    /// browser's, `127.0.0.1:<port>`, by default), none at all unless `sendHost`.
    static func get(port: Int, _ path: String, host: String? = nil, sendHost: Bool = true) async throws -> Response {
        let host = sendHost ? host ?? "127.0.0.1:\(port)" : nil
        return try await onThread {
            let client = try RawHTTPClient(port: port)
            try client.send("GET \(path) HTTP/1.1\r\n\(host.map { "Host: \($0)\r\n" } ?? "")Connection: close\r\n\r\n")
            let (status, headers) = try client.readHead()
            while try client.fill() {}
            if !client.chunked, let length = headers["content-length"].flatMap(Int.init) {
                client.decoded = Array(client.decoded.prefix(length))
            }
            return Response(status: status, headers: headers, body: String(decoding: client.decoded, as: UTF8.self))
        }
    }

    /// Opens `GET /events` and returns the client once the response head has arrived
    /// (with the whole body when it is not a stream, as a 503 is not).
    static func openEvents(port: Int) async throws -> (RawHTTPClient, Response) {
        try await onThread {
            let client = try RawHTTPClient(port: port)
            try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n")
            let (status, headers) = try client.readHead()
            var body = ""
            if let length = headers["content-length"].flatMap(Int.init) {
                while client.decoded.count < length, try client.fill() {}
                body = String(decoding: client.decoded.prefix(length), as: UTF8.self)
            }
            return (client, Response(status: status, headers: headers, body: body))
        }
    }

    /// The next server-sent event (comments skipped), or `nil` when the stream ended;
    /// throws when none came within `timeout` seconds (heartbeats do not count).
    func nextEvent(timeout: Double = 20) async throws -> (name: String, data: String)? {
        let deadline = Date().addingTimeInterval(timeout)
        return try await Self.onThread { [self] in
            while true {
                if Date() > deadline { throw HarnessError("no server-sent event within \(timeout) s") }
                if let end = decoded.firstRange(of: [0x0A, 0x0A]) {
                    let block = String(decoding: decoded[..<end.lowerBound], as: UTF8.self)
                    decoded.removeSubrange(..<end.upperBound)
                    var name = "message", data: [String] = []
                    for line in block.split(separator: "\n") {
                        if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                        if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                    }
                    if !data.isEmpty { return (name, data.joined(separator: "\n")) }
                    continue
                }
                guard try fill() else { return nil }
            }
        }
    }

    /// Waits for an `update` event whose data satisfies `predicate`.
    func awaitUpdate(where predicate: ([String: Any]) -> Bool) async throws -> [String: Any] {
        while let event = try await nextEvent() {
            guard event.name == "update" else { continue }
            let object = try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as! [String: Any]
            if predicate(object) { return object }
        }
        throw HarnessError("the event stream ended before the expected update")
    }

    private func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw HarnessError("send failed: errno \(errno)")
        }
    }

    private func readHead() throws -> (Int, [String: String]) {
        while raw.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            guard try receive() else { throw HarnessError("connection closed before the response head") }
        }
        let end = raw.firstRange(of: Array("\r\n\r\n".utf8))!
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        raw.removeSubrange(..<end.upperBound)
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        chunked = headers["transfer-encoding"]?.lowercased() == "chunked"
        headerDone = true
        try decode()
        return (status, headers)
    }

    /// Receives more and decodes what it can; false at the end of the body.
    private func fill() throws -> Bool {
        guard try receive() else { return false }
        return try decode()
    }

    @discardableResult
    private func decode() throws -> Bool {
        guard chunked else {
            decoded += raw
            raw.removeAll()
            return true
        }
        while let lineEnd = raw.firstRange(of: [0x0D, 0x0A]) {
            let sizeText = String(decoding: raw[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw HarnessError("bad chunk size '\(sizeText)'")
            }
            if size == 0 { return false }
            guard raw.count >= lineEnd.upperBound + size + 2 else { break }
            decoded += raw[lineEnd.upperBound..<(lineEnd.upperBound + size)]
            raw.removeSubrange(..<(lineEnd.upperBound + size + 2))
        }
        return true
    }

    private func receive() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw HarnessError("timed out or failed reading from the server: errno \(errno)") }
            if count == 0 { return false }
            raw += buffer[0..<count]
            return true
        }
    }

    /// Runs blocking work on a new thread and awaits its result.
    static func onThread<T: Sendable>(_ body: @escaping () throws -> T) async throws -> T {
        nonisolated(unsafe) let body = body
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try body() })
            }.start()
        }
    }
}
