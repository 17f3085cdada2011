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
    let beforeScrape: @Sendable () -> Void

    /// Creates the server over the registry the metrics system was bootstrapped with.
    /// - Parameters:
    ///   - isReady: what `/readyz` answers.
    ///   - beforeScrape: updates gauges that depend on the time of the scrape (gold age),
    ///     called before each `/metrics` answer; it must not block for long.
    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () -> Bool,
                beforeScrape: @escaping @Sendable () -> Void = {}) {
        self.host = host
        self.port = port
        self.registry = registry
        self.isReady = isReady
        self.beforeScrape = beforeScrape
    }

    /// Bootstraps swift-metrics with a Prometheus registry (once per process) and returns it.
    ///
    /// Timers become Prometheus histograms; `longTimers` names the ones whose values run
    /// to minutes (a Spark stage run) and get buckets from 0.5 s to 10 min instead of the
    /// default 5 ms to 10 s.
    public static func bootstrapMetrics(longTimers: [String] = []) -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let long: [Duration] = [.milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(20),
                                .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600)]
        for label in longTimers { factory.durationHistogramBuckets[label] = long }
        MetricsSystem.bootstrap(factory)
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
        let beforeScrape = beforeScrape
        router.get("/metrics") { _, _ -> Response in
            beforeScrape()
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
