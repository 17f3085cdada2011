import Hummingbird

/// Answers 421 Misdirected Request to a request whose `Host` the dashboard does not
/// answer to (see `AllowedHosts`), before any route sees it.
struct HostCheckMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    let hosts: AllowedHosts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.allows(request.head.authority) else {
            context.logger.debug("refused a request for another host", metadata: ["host": "\(request.head.authority ?? "none")"])
            return Response(status: .misdirectedRequest, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: Self.body)))
        }
        return try await next(request, context)
    }

    static let body = "421 Misdirected Request: this dashboard does not answer to that host name. "
        + "If the name is yours, add it to MEDALLION_ALLOWED_HOSTS (or --allowed-hosts).\n"
}
