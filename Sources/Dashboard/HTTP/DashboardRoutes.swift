import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The dashboard's routes: the page, its live fragment, the JSON API, health, and the
/// server-sent events that tell open pages about new results.
enum DashboardRoutes {
    static func router(store: GoldStore) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            respond(.ok, "text/html; charset=utf-8", DashboardPage.render(state: store.state, now: Date()))
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
        router.get("/healthz") { _, _ in
            let state = store.state
            return respond(.ok, "application/json", "{\"status\":\"ok\",\"gold\":\"\(state.health.name)\",\"subscribers\":\(store.subscriberCount)}")
        }
        router.get("/events") { _, _ in
            events(store: store)
        }
        return router
    }

    private static func events(store: GoldStore) -> Response {
        let (state, stream) = store.subscribe()
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

    private static func respond(_ status: HTTPResponse.Status, _ contentType: String, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
