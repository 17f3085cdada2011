import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The dashboard's routes: the page and its stylesheet and script, its live fragment, the
/// JSON API, health, and the server-sent events that tell open pages about new results.
/// Every response carries the security headers; a request for another host gets 421.
enum DashboardRoutes {
    /// - Parameters:
    ///   - store: the state shown and the event fan-out.
    ///   - hosts: the `Host` headers answered.
    ///   - maxEventStreams: how many `/events` streams may be open at once; past it, 503.
    static func router(store: GoldStore, hosts: AllowedHosts, maxEventStreams: Int) -> Router<BasicRequestContext> {
        let router = Router()
        // Middlewares first: they wrap only the routes added after them (and the 404).
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: HostCheckMiddleware(hosts: hosts))
        router.get("/") { _, _ in
            respond(.ok, "text/html; charset=utf-8", DashboardPage.render(state: store.state, now: Date()))
        }
        router.get(RouterPath(PageAssets.stylesheetPath)) { _, _ in
            respond(.ok, "text/css; charset=utf-8", PageAssets.css, cache: "no-cache")
        }
        router.get(RouterPath(PageAssets.scriptPath)) { _, _ in
            respond(.ok, "text/javascript; charset=utf-8", PageAssets.script, cache: "no-cache")
        }
        router.get("/fragment") { _, _ in
            respond(.ok, "text/html; charset=utf-8", DashboardView(state: store.state, now: Date()).render())
        }
        router.get("/api/branches") { _, _ in
            let state = store.state
            let body = BranchesPayload(state: state, now: Date()).json()
            return Response(status: state.isServable ? .ok : .serviceUnavailable,
                            headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/api/trends") { _, _ in
            let state = store.state
            return Response(status: state.isServable ? .ok : .serviceUnavailable,
                            headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: TrendsPayload(state: state).json())))
        }
        router.get("/healthz") { _, _ in
            let state = store.state
            return respond(.ok, "application/json", "{\"status\":\"ok\",\"gold\":\"\(state.health.name)\",\"subscribers\":\(store.subscriberCount)}")
        }
        router.get("/events") { _, _ in
            events(store: store, limit: maxEventStreams)
        }
        return router
    }

    private static func events(store: GoldStore, limit: Int) -> Response {
        guard let (state, stream) = store.subscribe(limit: limit) else {
            let headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store", .retryAfter: "5"]
            return Response(status: .serviceUnavailable, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(
                string: "503 Service Unavailable: \(limit) live-update streams are open, the most this dashboard serves at once; retry later.\n")))
        }
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        // Tells a buffering reverse proxy (nginx) to pass events through at once.
        if let name = HTTPField.Name("X-Accel-Buffering") { headers[name] = "no" }
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ServerSentEvent.preamble + ServerSentEvent.encode(.update(state))))
            // Graceful shutdown ends the stream, so the server can drain and exit.
            for await event in stream.cancelOnGracefulShutdown() {
                try await writer.write(ByteBuffer(string: ServerSentEvent.encode(event)))
            }
            try await writer.finish(nil)
        })
    }

    private static func respond(_ status: HTTPResponse.Status, _ contentType: String, _ text: String,
                                cache: String = "no-store") -> Response {
        Response(status: status, headers: [.contentType: contentType, .cacheControl: cache],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
