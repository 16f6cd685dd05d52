import Foundation
import Metrics
import Prometheus
import Synchronization

/// The service's metrics, recorded through swift-metrics into a Prometheus registry of its own
/// (no process-wide bootstrap, so several servers can live in one process):
/// - `switchboard_http_requests_total{endpoint, status}`
/// - `switchboard_http_request_duration_seconds{endpoint}` (histogram)
/// - `switchboard_answers_total{label}`: routed answers by label
/// - `switchboard_abstentions_total`: answers that were the unknown label
/// - `switchboard_reloads_total{result}`: `ok` or `failed`
/// - `switchboard_model_generation`: the generation being served
/// - `switchboard_http_requests_in_flight`: requests whose head has arrived and whose answer
///   has not been produced yet
final class ServeMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let inFlight = Atomic<Int>(0)
    /// The handles already made, so that a request does not look them up in the registry again.
    private let requestHandles = Mutex<[String: (Metrics.Counter, Metrics.Timer)]>([:])
    private let answerHandles = Mutex<[String: Metrics.Counter]>([:])
    private let inFlightGauge: Metrics.Gauge
    private let abstentions: Metrics.Counter

    init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        inFlightGauge = Gauge(label: "switchboard_http_requests_in_flight", factory: factory)
        abstentions = Counter(label: "switchboard_abstentions_total", factory: factory)
    }

    /// Counts a request as started (`delta` 1) or answered (`delta` -1).
    func inFlight(_ delta: Int) {
        inFlightGauge.record(inFlight.add(delta, ordering: .relaxed).newValue)
    }

    func request(endpoint: String, status: Int, nanoseconds: Int64) {
        let key = "\(status) \(endpoint)"
        let (counter, timer) = requestHandles.withLock { handles in
            if let made = handles[key] { return made }
            let made = (Counter(label: "switchboard_http_requests_total",
                                dimensions: [("endpoint", endpoint), ("status", String(status))], factory: factory),
                        Metrics.Timer(label: "switchboard_http_request_duration_seconds",
                                      dimensions: [("endpoint", endpoint)], factory: factory))
            handles[key] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    func answer(routed: String, abstained: Bool) {
        let counter = answerHandles.withLock { handles in
            if let made = handles[routed] { return made }
            let made = Counter(label: "switchboard_answers_total", dimensions: [("label", routed)], factory: factory)
            handles[routed] = made
            return made
        }
        counter.increment()
        if abstained { abstentions.increment() }
    }

    func reload(ok: Bool, generation: Int) {
        Counter(label: "switchboard_reloads_total", dimensions: [("result", ok ? "ok" : "failed")], factory: factory).increment()
        Gauge(label: "switchboard_model_generation", factory: factory).record(generation)
    }

    /// The Prometheus text exposition.
    func exposition() -> [UInt8] { registry.emitToBuffer() }
}
