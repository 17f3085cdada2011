import Foundation

/// The simulated business time orders are stamped with: it starts at `origin` and runs
/// `scale` times faster than the wall clock (3600: one wall second is one business hour),
/// so delivery times come out in hours and days while a demo runs for seconds.
public struct BusinessClock: Sendable {
    public let origin: Date
    public let scale: Double
    let started: ContinuousClock.Instant

    public init(origin: Date, scale: Double, started: ContinuousClock.Instant = .now) {
        self.origin = origin
        self.scale = scale
        self.started = started
    }

    /// The business time at wall instant `instant`.
    public func time(at instant: ContinuousClock.Instant = .now) -> Date {
        let elapsed = instant - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return origin.addingTimeInterval(seconds * scale)
    }

    /// How long on the wall clock `hours` of business time take.
    public func wallDuration(businessHours hours: Double) -> Duration {
        .milliseconds(Int64((hours * 3_600_000 / scale).rounded()))
    }

    /// Business days since the origin at `instant` (drives the branches' slow drift).
    func days(at instant: ContinuousClock.Instant = .now) -> Double {
        time(at: instant).timeIntervalSince(origin) / 86_400
    }

    /// `time` as seconds since 1970, for `to_timestamp($n::float8)`.
    static func epoch(_ time: Date) -> String {
        String(format: "%.6f", time.timeIntervalSince1970)
    }
}
