import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Spark standalone master's REST submission API (`spark.master.rest.enabled`):
/// create a driver, poll its state, kill it. Calls block the calling thread.
struct SparkRestClient: Sendable {
    /// `http://host:6066`.
    let endpoint: String
    let requestTimeout: Double

    /// Accepts `spark://host:port` (the REST port, as spark-submit's cluster mode does)
    /// or `http://host:port`.
    init(master: String, requestTimeout: Double = 30) throws(StageError) {
        var text = master.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("spark://") { text = "http://" + text.dropFirst("spark://".count) }
        while text.hasSuffix("/") { text.removeLast() }
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), URL(string: text)?.host != nil else {
            throw StageError(.invalidConfiguration,
                             message: "The Spark master \(master) is not spark://host:6066 or http://host:6066 (the REST submission port); set --spark-master or MEDALLION_SPARK_MASTER.")
        }
        endpoint = text
        self.requestTimeout = requestTimeout
    }

    /// The state of one submission.
    struct Status: Sendable {
        var driverState: String
        var message: String?
        var worker: String?
    }

    /// Submits a driver; returns its submission id.
    func create(_ request: [String: Any]) throws(StageError) -> String {
        let response = try call("POST", "/v1/submissions/create", body: request)
        guard response["success"] as? Bool == true, let id = response["submissionId"] as? String else {
            throw StageError(.submission, message: "The Spark master at \(endpoint) refused the submission: \(response["message"] as? String ?? "no reason given").")
        }
        return id
    }

    func status(_ id: String) throws(StageError) -> Status {
        let response = try call("GET", "/v1/submissions/status/\(id)", body: nil)
        guard let state = response["driverState"] as? String else {
            throw StageError(.submission, message: "The Spark master at \(endpoint) does not know submission \(id): \(response["message"] as? String ?? "no state").")
        }
        return Status(driverState: state, message: response["message"] as? String, worker: response["workerHostPort"] as? String)
    }

    func kill(_ id: String) {
        _ = try? call("POST", "/v1/submissions/kill/\(id)", body: nil)
    }

    private func call(_ method: String, _ path: String, body: [String: Any]?) throws(StageError) -> [String: Any] {
        guard let url = URL(string: endpoint + path) else {
            throw StageError(.invalidConfiguration, message: "Cannot form a URL from \(endpoint)\(path).")
        }
        var request = URLRequest(url: url, timeoutInterval: requestTimeout)
        request.httpMethod = method
        if let body {
            request.setValue("application/json;charset=UTF-8", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? JSONSerialization.data(withJSONObject: body)
        }
        let outcome = Handover<(Data?, Int?, (any Error)?)>()
        let finished = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            outcome.put((data, (response as? HTTPURLResponse)?.statusCode, error))
            finished.signal()
        }.resume()
        finished.wait()
        let (data, statusCode, error) = outcome.take() ?? (nil, nil, nil)
        if let error {
            throw StageError(.submission, message: "The Spark master's REST endpoint \(endpoint) is unreachable (\(error.localizedDescription)); check --spark-master and that the master runs with spark.master.rest.enabled=true.")
        }
        guard let data, let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw StageError(.submission, message: "The Spark master at \(endpoint) answered \(method) \(path) with HTTP \(statusCode ?? 0) and no JSON.")
        }
        return object
    }
}
