import Foundation

/// One branch of the simulated retailer: how many orders it gets and how fast it delivers,
/// both drifting slowly (a few business days per swing) so the leaders can change.
public struct BranchProfile: Sendable, Equatable {
    public var name: String
    /// Relative share of new orders.
    public var weight: Double
    /// Median business hours from NEW to DELIVERED.
    public var medianDeliveryHours: Double
    /// Where in its drift cycle the branch starts (radians).
    var phase: Double

    /// The default branches: named places across one country, some clearly busier, some
    /// clearly faster; beyond the named ones, `Branch N`.
    public static func defaults(count: Int) -> [BranchProfile] {
        let named: [(String, Double, Double)] = [
            ("London", 3.0, 10), ("Manchester", 2.2, 16), ("Birmingham", 1.7, 12), ("Leeds", 1.3, 22),
            ("Glasgow", 1.0, 26), ("Bristol", 0.8, 7), ("Cardiff", 0.6, 18), ("Belfast", 0.45, 32),
            ("Liverpool", 1.1, 14), ("Edinburgh", 0.9, 11), ("Newcastle", 0.7, 24), ("Nottingham", 0.75, 13),
        ]
        return (0..<count).map { index in
            let phase = Double(index) * 2.399963  // the golden angle: phases spread evenly
            if index < named.count {
                return BranchProfile(name: named[index].0, weight: named[index].1, medianDeliveryHours: named[index].2, phase: phase)
            }
            return BranchProfile(name: "Branch \(index + 1)", weight: 0.3 + Double(index % 5) * 0.3,
                                 medianDeliveryHours: 8 + Double(index % 7) * 4, phase: phase)
        }
    }

    /// The share of orders at `day` business days: ±35 % over a cycle of about six days.
    func weight(atDay day: Double) -> Double {
        weight * (1 + 0.35 * sin(2 * Double.pi * day / 6 + phase))
    }

    /// A delivery time in business hours at `day`: the median drifts ±30 % over about nine
    /// days, and each order varies around it (log-normal, about ±40 %).
    func deliveryHours(atDay day: Double, using generator: inout some RandomNumberGenerator) -> Double {
        let median = medianDeliveryHours * (1 + 0.3 * sin(2 * Double.pi * day / 9 + phase * 1.7))
        // Box–Muller: one standard normal draw.
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let normal = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return max(0.5, median * exp(0.35 * normal))
    }

    /// Picks a branch by the drifting weights.
    static func pick(_ branches: [BranchProfile], atDay day: Double, using generator: inout some RandomNumberGenerator) -> BranchProfile {
        let weights = branches.map { $0.weight(atDay: day) }
        var draw = Double.random(in: 0..<weights.reduce(0, +), using: &generator)
        for (branch, weight) in zip(branches, weights) {
            if draw < weight { return branch }
            draw -= weight
        }
        return branches[branches.count - 1]
    }
}
