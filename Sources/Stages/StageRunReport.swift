import Foundation

/// What one silver→gold run did and where its time went.
public struct StageRunReport: Sendable, Equatable {
    /// The last bronze batch gold now covers.
    public var bronzeBatch: UInt64
    /// How many bronze batches silver consumed in this run (0: nothing new).
    public var batches: Int
    /// Time in silver, gold, and both as the driver measured them.
    public var silverMilliseconds: Int
    public var goldMilliseconds: Int
    public var jobMilliseconds: Int
    /// Time spent starting Spark for this run (0 when the warm driver was ready).
    public var sparkStartMilliseconds: Int = 0
    /// From the first request this run covers to its start.
    public var queueWaitMilliseconds: Int = 0
    /// Whether the run started Spark (a cold run the light path took whole does not).
    public var sparkStarted = true

    public init(bronzeBatch: UInt64, batches: Int, silverMilliseconds: Int, goldMilliseconds: Int, jobMilliseconds: Int) {
        self.bronzeBatch = bronzeBatch
        self.batches = batches
        self.silverMilliseconds = silverMilliseconds
        self.goldMilliseconds = goldMilliseconds
        self.jobMilliseconds = jobMilliseconds
    }

    /// Parses the JSON result the driver prints (`driver.py`); throws the job's own
    /// error when it reports a failure.
    init(resultJSON text: String, logPath: String) throws(StageError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw StageError(.jobFailed, message: "The Spark driver answered something unreadable; see \(logPath).", detail: text)
        }
        guard object["ok"] as? Bool == true else {
            let reason = object["error"] as? String ?? "unknown error"
            throw StageError(.jobFailed, message: "The stage jobs failed: \(reason) (see \(logPath)).")
        }
        func number(_ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        self.init(bronzeBatch: UInt64(max(0, number("bronze_batch"))), batches: number("batches"),
                  silverMilliseconds: number("silver_ms"), goldMilliseconds: number("gold_ms"), jobMilliseconds: number("run_ms"))
        sparkStarted = object["spark_started"] as? Bool ?? true
    }
}
