import Hummingbird
import Metrics
import Prometheus

/// The daemon's operational HTTP endpoints: `GET /metrics` (Prometheus text format),
/// `GET /healthz` (the process is alive) and `GET /readyz` (capture is connected and
/// caught up with its bookmark).
public struct MetricsServer: Sendable {
    /// Where to listen, e.g. `127.0.0.1:9464`.
    public var host: String
    public var port: Int
    let registry: PrometheusCollectorRegistry
    let isReady: @Sendable () -> Bool

    /// Creates the server over the registry the metrics system was bootstrapped with.
    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () -> Bool) {
        self.host = host
        self.port = port
        self.registry = registry
        self.isReady = isReady
    }

    /// Bootstraps swift-metrics with a Prometheus registry (once per process) and returns it.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// Parses `host:port` (`MEDALLION_METRICS_ADDRESS`).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// The Hummingbird application to run as a service.
    public func application() -> some ApplicationProtocol {
        let router = Router()
        let registry = registry
        let isReady = isReady
        router.get("/metrics") { _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: buffer))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            let ready = isReady()
            return Response(status: ready ? .ok : .serviceUnavailable,
                            body: .init(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "not ready: capture is connecting or catching up\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "medallion"))
    }
}
