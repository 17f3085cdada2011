import Foundation

/// A JSON body of the API, encoded with sorted keys.
protocol JSONPayload: Encodable {}

extension JSONPayload {
    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Every value of a payload is encodable; a failure would be a programming error.
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }
}
