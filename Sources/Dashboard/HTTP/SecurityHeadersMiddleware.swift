import HTTPTypes
import Hummingbird

/// Adds the security headers to every response, errors and 404s included: a
/// Content-Security-Policy that lets the page load only its own script, stylesheet,
/// fragment and events and never be framed, and no MIME sniffing or referrer.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    static let headers: HTTPFields = {
        var fields: HTTPFields = [
            .contentSecurityPolicy: "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            .xContentTypeOptions: "nosniff",
        ]
        // Names HTTPTypes has no constant for; both literals are valid field names.
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return fields
    }()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        for field in Self.headers { response.headers[field.name] = field.value }
        return response
    }
}
