import CCurl
import Synchronization

/// HTTP over libcurl: the one type that owns libcurl easy handles, and the only file
/// that imports CCurl.
///
/// A small pool of easy handles is reused, so each keeps its connections (and their
/// TLS sessions) alive between requests; a handle is used by one thread at a time
/// (taken from the pool for the length of a request) and reset before each use. Redirects
/// are not followed: the caller reads `Response.location` and decides.
package final class CurlSession: Sendable {
    /// One HTTP request.
    package struct Request {
        package var method: Method
        package var url: String
        /// The body of a PUT or POST (sent with a Content-Length; empty sends none).
        package var body: [UInt8] = []
        package var headers: [String] = []
        package var connectTimeoutMilliseconds: Int
        /// The whole request's limit; or, with `minimumBytesPerSecond`, how long the transfer
        /// may run below that rate before it is given up (a large body never times out while
        /// it moves).
        package var timeoutMilliseconds: Int
        package var minimumBytesPerSecond: Int?

        package init(method: Method, url: String, body: [UInt8] = [], headers: [String] = [], connectTimeoutMilliseconds: Int,
                     timeoutMilliseconds: Int, minimumBytesPerSecond: Int? = nil) {
            self.method = method
            self.url = url
            self.body = body
            self.headers = headers
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
            self.timeoutMilliseconds = timeoutMilliseconds
            self.minimumBytesPerSecond = minimumBytesPerSecond
        }
    }

    package enum Method: String, Sendable {
        case get = "GET", put = "PUT", post = "POST", delete = "DELETE"
    }

    /// What came back: status, body (unless it was streamed to a sink), and the
    /// redirect target of a 3xx answer.
    package struct Response {
        package var status: Int
        package var body: [UInt8]
        package var location: String?
    }

    /// A request that got no HTTP answer (refused, timed out, reset, TLS, DNS).
    package struct TransportError: Error, CustomStringConvertible {
        package enum Kind: Sendable {
            /// Nothing listens there (or the host is down): try another server.
            case refused
            case timedOut
            /// Reset, closed early, or a partial answer.
            case connection
            case resolve
            /// Certificate or handshake failure: retrying does not help.
            case tls
            case other
        }

        package var kind: Kind
        package var url: String
        package var detail: String

        package var description: String { "\(detail) (\(url))" }
    }

    /// A libcurl easy handle. `@unchecked`: a C pointer is never `Sendable`, and `sending`
    /// cannot express a pool (a handle given back goes into `idle` with the others); one
    /// thread at a time uses a handle, between `take` and `give`.
    private struct Handle: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
    }

    private let idle = Mutex<[Handle]>([])
    private let maximumIdle: Int
    private let caFile: String?

    /// - Parameters:
    ///   - maximumIdle: how many handles (each with its live connections) to keep between requests.
    ///   - caFile: a PEM bundle of CA certificates for https, instead of the system's.
    package init(maximumIdle: Int = 4, caFile: String? = nil) {
        _ = Self.globalInit
        self.maximumIdle = maximumIdle
        self.caFile = caFile
    }

    deinit {
        idle.withLock { handles in
            for handle in handles { curl_easy_cleanup(handle.raw) }
            handles.removeAll()
        }
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
    }()

    /// Performs `request`. With a `sink`, a 2xx body is handed over chunk by chunk as it
    /// arrives (and `Response.body` stays empty); other bodies are collected.
    package func perform(_ request: Request, sink: ((UnsafeRawBufferPointer) -> Void)? = nil) throws(TransportError) -> Response {
        let handle = take()
        var reusable = true
        defer { give(handle, reusable: reusable) }
        let context = TransferContext(handle: handle.raw, body: request.body, sink: sink)
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        // libcurl would otherwise ask for 100-continue on larger uploads and wait for it.
        for header in request.headers + ["Expect:"] {
            headers = curl_slist_append(headers, header)
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        errorBuffer[0] = 0

        let raw = handle.raw
        let code: CURLcode = request.url.withCString { url in
            curl_easy_reset(raw)
            _ = medallion_curl_setopt_string(raw, CURLOPT_URL, url)
            _ = medallion_curl_setopt_long(raw, CURLOPT_NOSIGNAL, 1)
            _ = medallion_curl_setopt_long(raw, CURLOPT_FOLLOWLOCATION, 0)
            _ = medallion_curl_setopt_long(raw, CURLOPT_TCP_KEEPALIVE, 1)
            _ = medallion_curl_setopt_long(raw, CURLOPT_TCP_NODELAY, 1)
            _ = medallion_curl_setopt_long(raw, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
            // Only http and https, whatever a redirect or a URL says (no file://, no ftp://).
            _ = medallion_curl_setopt_string(raw, CURLOPT_PROTOCOLS_STR, "http,https")
            if let rate = request.minimumBytesPerSecond {
                _ = medallion_curl_setopt_long(raw, CURLOPT_TIMEOUT_MS, 0)
                _ = medallion_curl_setopt_long(raw, CURLOPT_LOW_SPEED_LIMIT, max(1, rate))
                _ = medallion_curl_setopt_long(raw, CURLOPT_LOW_SPEED_TIME, max(1, (request.timeoutMilliseconds + 999) / 1000))
            } else {
                _ = medallion_curl_setopt_long(raw, CURLOPT_TIMEOUT_MS, request.timeoutMilliseconds)
            }
            _ = medallion_curl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer)
            _ = medallion_curl_setopt_slist(raw, CURLOPT_HTTPHEADER, headers)
            let contextPointer = Unmanaged.passUnretained(context).toOpaque()
            _ = medallion_curl_setopt_data_callback(raw, CURLOPT_WRITEFUNCTION, curlWriteCallback)
            _ = medallion_curl_setopt_pointer(raw, CURLOPT_WRITEDATA, contextPointer)
            switch request.method {
            case .get:
                _ = medallion_curl_setopt_long(raw, CURLOPT_HTTPGET, 1)
            case .put:
                _ = medallion_curl_setopt_long(raw, CURLOPT_UPLOAD, 1)
                _ = medallion_curl_setopt_offset(raw, CURLOPT_INFILESIZE_LARGE, curl_off_t(request.body.count))
                _ = medallion_curl_setopt_data_callback(raw, CURLOPT_READFUNCTION, curlReadCallback)
                _ = medallion_curl_setopt_pointer(raw, CURLOPT_READDATA, contextPointer)
            case .post:
                _ = medallion_curl_setopt_long(raw, CURLOPT_POST, 1)
                _ = medallion_curl_setopt_offset(raw, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
                _ = medallion_curl_setopt_data_callback(raw, CURLOPT_READFUNCTION, curlReadCallback)
                _ = medallion_curl_setopt_pointer(raw, CURLOPT_READDATA, contextPointer)
            case .delete:
                _ = medallion_curl_setopt_string(raw, CURLOPT_CUSTOMREQUEST, "DELETE")
            }
            if let caFile {
                return caFile.withCString { path in
                    _ = medallion_curl_setopt_string(raw, CURLOPT_CAINFO, path)
                    return curl_easy_perform(raw)
                }
            }
            return curl_easy_perform(raw)
        }
        guard code == CURLE_OK else {
            reusable = false
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            throw TransportError(kind: Self.kind(of: code), url: Self.redacted(request.url), detail: detail)
        }
        var status = 0
        _ = medallion_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &status)
        var redirect: UnsafeMutablePointer<CChar>?
        _ = medallion_curl_getinfo_string(raw, CURLINFO_REDIRECT_URL, &redirect)
        return Response(status: status, body: context.received, location: redirect.map { String(cString: $0) })
    }

    private func take() -> Handle {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        return Handle(raw: curl_easy_init())
    }

    private func give(_ handle: Handle, reusable: Bool) {
        let kept = reusable && idle.withLock { handles in
            guard handles.count < maximumIdle else { return false }
            handles.append(handle)
            return true
        }
        if !kept { curl_easy_cleanup(handle.raw) }
    }

    private static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_COULDNT_CONNECT: .refused
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .resolve
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .connection
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            .tls
        default: .other
        }
    }

    /// The URL without its query (which may hold a delegation token), for messages.
    static func redacted(_ url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return url }
        return String(url[..<question])
    }
}

/// What a transfer's callbacks work on: the body to send and what was received.
private final class TransferContext {
    let handle: UnsafeMutableRawPointer
    let body: [UInt8]
    var sent = 0
    var received: [UInt8] = []
    let sink: ((UnsafeRawBufferPointer) -> Void)?
    /// Whether the answer is a success whose body goes to `sink` (decided at the first chunk).
    var streaming: Bool?

    init(handle: UnsafeMutableRawPointer, body: [UInt8], sink: ((UnsafeRawBufferPointer) -> Void)?) {
        self.handle = handle
        self.body = body
        self.sink = sink
    }
}

private let curlWriteCallback: medallion_curl_data_callback = { buffer, size, count, pointer in
    guard let pointer else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(pointer).takeUnretainedValue()
    let length = size * count
    guard length > 0, let buffer else { return length }
    let chunk = UnsafeRawBufferPointer(start: buffer, count: length)
    if let sink = context.sink {
        if context.streaming == nil {
            var status = 0
            _ = medallion_curl_getinfo_long(context.handle, CURLINFO_RESPONSE_CODE, &status)
            context.streaming = (200..<300).contains(status)
        }
        if context.streaming == true {
            sink(chunk)
            return length
        }
    }
    context.received.append(contentsOf: chunk)
    return length
}

private let curlReadCallback: medallion_curl_data_callback = { buffer, size, count, pointer in
    guard let pointer, let buffer else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(pointer).takeUnretainedValue()
    let length = min(size * count, context.body.count - context.sent)
    guard length > 0 else { return 0 }
    context.body.withUnsafeBytes { source in
        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + context.sent, byteCount: length)
    }
    context.sent += length
    return length
}
