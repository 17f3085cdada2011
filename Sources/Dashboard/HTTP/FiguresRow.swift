/// A row of gold figures in the API: what it is about under its own key (`branch` or
/// `day`), then `order_count` and `avg_delivery_hours`, written as `null` when absent.
struct FiguresRow: Encodable {
    var labelKey: String
    var label: String
    var orderCount: Int
    var averageDeliveryHours: Double?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(label, forKey: Key(stringValue: labelKey))
        try container.encode(orderCount, forKey: Key(stringValue: "order_count"))
        try container.encode(averageDeliveryHours, forKey: Key(stringValue: "avg_delivery_hours"))
    }
}
