import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Synchronization

/// Sends requests straight to a router's responder, with no server and no socket: what the
/// route tests need (a method and a path in, the status, headers and whole body out).
/// Errors a route throws become responses the way the server makes them; the live
/// server over TCP is `DashboardIntegrationTests`' job.
struct RouterClient: Sendable {
    struct Response: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
    }

    private let responder: RouterResponder<BasicRequestContext>
    private let logger = Logger(label: "router-client")

    init(router: Router<BasicRequestContext>) {
        responder = router.buildResponder()
    }

    /// `Host: localhost`, as `AllowedHosts.testing` expects.
    func execute(uri: String, method: HTTPRequest.Method) async throws -> Response {
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: uri),
            body: RequestBody(buffer: ByteBuffer())
        )
        let context = BasicRequestContext(source: .init(channel: NIOAsyncTestingChannel(), logger: logger))
        let response: Hummingbird.Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let collected = CollectedBody()
        try await response.body.write(collected)
        return Response(status: response.status, headers: response.headers, body: collected.buffer.withLock { $0 })
    }
}

/// The body a response writes, gathered in one buffer.
private final class CollectedBody: ResponseBodyWriter, Sendable {
    let buffer = Mutex(ByteBuffer())

    func write(_ buffer: ByteBuffer) async throws {
        _ = self.buffer.withLock { $0.writeImmutableBuffer(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
