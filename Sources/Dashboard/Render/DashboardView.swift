import Foundation
import LakeContract

/// Renders the live part of the page (`<main id="live">`) from the state: status banners,
/// freshness, headline cards, the two bar charts, the trend charts and the table. The
/// page's script swaps this element in place when the server announces an update.
struct DashboardView: Sendable {
    var state: DashboardState
    var now: Date

    /// How many of the latest days the trend charts show (`/api/trends` has them all).
    static let trendDays = 60

    func render() -> String {
        var html = "<main id=\"live\" data-version=\"\(HTML.escape(state.tag))\" data-server-now=\"\(HTML.epochMilliseconds(now))\" aria-live=\"polite\">"
        html += banners()
        guard let snapshot = state.snapshot else {
            if state.health == .waiting {
                html += "<section class=\"empty\" id=\"waiting\"><h2>No data yet</h2><p>\(waitingFor())</p></section>"
            }
            html += freshness(nil)
            return html + "</main>"
        }
        html += freshness(snapshot)
        html += cards(snapshot)
        if snapshot.branches.isEmpty {
            html += """
                <section class="empty" id="waiting"><h2>No orders yet</h2><p>Gold has run, but no orders have \
                arrived yet: orders placed now (for example with <code>medallion simulate</code>) appear here \
                within seconds.</p></section>
                """
        } else {
            html += "<div class=\"charts\">" + ordersChart(snapshot) + hoursChart(snapshot) + "</div>"
            html += trends(snapshot)
            html += table(snapshot)
        }
        return html + "</main>"
    }

    /// What the page waits for before the first gold result.
    private func waitingFor() -> String {
        guard let bookmark = state.bookmark else {
            return "Waiting for the first bronze batch: the capture daemon (<code>medallion run</code>) has not "
                + "committed any changes to this lake yet. This page updates by itself as soon as there is data."
        }
        return "Waiting for the first gold run: bronze batch \(bookmark.batch) is committed and the Spark driver is "
            + "starting (about 30 s on a cold machine)… This page updates by itself as soon as gold is published."
    }

    private func banners() -> String {
        var html = ""
        func banner(_ kind: String, _ title: String, _ text: String) {
            html += "<div class=\"banner \(kind)\" role=\"alert\"><strong>\(HTML.escape(title))</strong> \(HTML.escape(text))</div>"
        }
        let keeping = state.snapshot == nil ? "" : " Showing the last good result."
        switch state.health {
        case .waiting, .current: break
        case .goldMissing:
            banner("warning", "Gold has disappeared from the lake.", "It may be being rewritten or was removed." + keeping)
        case .malformed(let message):
            banner("error", "The gold result cannot be read.", message + keeping)
        case .unreachable(let message):
            let since = state.unreachableSince.map { " for \(HTML.age(now.timeIntervalSince($0)))" } ?? ""
            banner("warning", "The lake is unreachable\(since).", message + " Retrying." + keeping)
        }
        if state.isStale, let snapshot = state.snapshot, let producedAt = snapshot.producedAt, let bookmark = state.bookmark {
            let covered = snapshot.bronzeBatch.map { "bronze batch \($0)" } ?? "an unknown bronze batch"
            banner("warning", "The pipeline is stale.",
                   "Gold was produced \(HTML.age(now.timeIntervalSince(producedAt))) ago from \(covered), "
                       + "but bronze is at batch \(bookmark.batch). The gold stage may be stuck.")
        }
        return html
    }

    private func freshness(_ snapshot: GoldSnapshot?) -> String {
        var parts: [String] = []
        if let snapshot {
            var text = "Gold produced "
            if let producedAt = snapshot.producedAt {
                text += "<span class=\"since\" data-since=\"\(HTML.epochMilliseconds(producedAt))\">\(HTML.age(now.timeIntervalSince(producedAt))) ago</span>"
            } else {
                text += "at an unknown time"
            }
            text += snapshot.bronzeBatch.map { " from bronze batch <span id=\"gold-batch\">\($0)</span>" } ?? ""
            parts.append("<span id=\"gold-freshness\"\(state.isStale ? " class=\"stale\"" : "")>\(text)</span>")
        }
        parts.append("<span id=\"capture\">\(Self.capture(state.bookmark, now: now))</span>")
        return "<p class=\"freshness\">" + parts.joined(separator: " · ") + "</p>"
    }

    /// "Bronze batch N committed X ago" (also rebuilt by the page's script on `bronze` events).
    static func capture(_ bookmark: Bookmark?, now: Date) -> String {
        guard let bookmark else { return "No bronze batch committed yet" }
        var text = "Capture: bronze batch <span id=\"bronze-batch\">\(bookmark.batch)</span> committed "
        if let committedAt = bookmark.committedDate {
            text += "<span class=\"since\" id=\"bronze-since\" data-since=\"\(HTML.epochMilliseconds(committedAt))\">\(HTML.age(now.timeIntervalSince(committedAt))) ago</span>"
        } else {
            text += "at an unknown time"
        }
        return text
    }

    private func cards(_ snapshot: GoldSnapshot) -> String {
        let most = snapshot.mostOrders
        let fastest = snapshot.fastestDelivery
        let mostValue = most.map { "\(HTML.count($0.orderCount)) orders" } ?? "no orders yet"
        let fastestValue = fastest.flatMap(\.averageDeliveryHours).map { "\(HTML.hours($0)) average delivery" }
            ?? "no deliveries yet"
        return """
            <div class="cards">\
            <section class="card" id="card-most-orders" aria-labelledby="card-most-orders-title">\
            <h2 id="card-most-orders-title">Most orders</h2>\
            <p class="name">\(HTML.escape(most?.branch ?? "—"))</p><p class="figure">\(mostValue)</p></section>\
            <section class="card" id="card-fastest" aria-labelledby="card-fastest-title">\
            <h2 id="card-fastest-title">Fastest delivery</h2>\
            <p class="name">\(HTML.escape(fastest?.branch ?? "—"))</p><p class="figure">\(fastestValue)</p></section>\
            </div>
            """
    }

    private func ordersChart(_ snapshot: GoldSnapshot) -> String {
        let best = snapshot.mostOrders?.branch
        let bars = snapshot.byOrders.map { metric in
            BarChart.Bar(label: metric.branch, value: Double(metric.orderCount),
                         valueText: "\(HTML.count(metric.orderCount)) orders", isHighlighted: metric.branch == best)
        }
        let chart = BarChart(id: "chart-orders", title: "Orders per branch, most first",
                             valueAxisLabel: "Orders", categoryAxisLabel: "Branch", bars: bars)
        return "<figure><figcaption>Orders per branch</figcaption>\(chart.svg())</figure>"
    }

    private func hoursChart(_ snapshot: GoldSnapshot) -> String {
        let best = snapshot.fastestDelivery?.branch
        let bars = snapshot.byDeliveryHours.map { metric in
            BarChart.Bar(label: metric.branch, value: metric.averageDeliveryHours,
                         valueText: metric.averageDeliveryHours.map(HTML.hours) ?? "no deliveries yet",
                         isHighlighted: metric.branch == best)
        }
        let unit = DurationUnit.fitting(hours: snapshot.branches.compactMap(\.averageDeliveryHours).max() ?? 0)
        let scaled = bars.map { bar in
            var bar = bar
            bar.value = bar.value.map { $0 * unit.perHour }
            return bar
        }
        let chart = BarChart(id: "chart-hours", title: "Average delivery time per branch, fastest first",
                             valueAxisLabel: "Average delivery time (\(unit.name))", categoryAxisLabel: "Branch", bars: scaled)
        return "<figure><figcaption>Average delivery time per branch</figcaption>\(chart.svg())</figure>"
    }

    /// The legend and the two line charts of the latest days, or what they wait for.
    private func trends(_ snapshot: GoldSnapshot) -> String {
        let trends = snapshot.trends.suffix(Self.trendDays)
        var html = "<section class=\"trends\" id=\"trends\" aria-labelledby=\"trends-title\"><h2 id=\"trends-title\">Per day</h2>"
        guard let first = trends.days.first, let last = trends.days.last else {
            return html + "<p class=\"empty\">The per-day figures appear with the next gold run.</p></section>"
        }
        let range = first == last ? first : "\(first) to \(last)"
        let styles = trends.series.indices.map(LineChart.style)
        html += "<ul class=\"legend\" id=\"trends-legend\" aria-label=\"Branches\">"
        for (series, style) in zip(trends.series, styles) {
            let dash = style.dashed ? " stroke-dasharray=\"6 3\"" : ""
            html += "<li data-series=\"\(HTML.escape(series.branch))\"><svg class=\"swatch\" viewBox=\"0 0 28 10\" aria-hidden=\"true\">"
                + "<line x1=\"1\" y1=\"5\" x2=\"27\" y2=\"5\" stroke=\"\(style.colour)\" stroke-width=\"3\"\(dash)/></svg>"
                + "\(HTML.escape(series.branch))</li>"
        }
        html += "</ul>"

        let orders = zip(trends.series, styles).map { series, style in
            LineChart.Series(name: series.branch, colour: style.colour, dashed: style.dashed,
                             values: series.points.map { Double($0.orderCount) },
                             valueTexts: series.points.map { "\(series.branch), \($0.day): \(HTML.count($0.orderCount)) orders" })
        }
        let ordersChart = LineChart(id: "trend-orders", title: "Orders per day and branch, \(range)",
                                    valueAxisLabel: "Orders", days: trends.days, series: orders,
                                    tickText: { $0 == $0.rounded() && abs($0) < 1e15 ? HTML.count(Int($0)) : String(format: "%g", $0) })
        let maximum = trends.series.flatMap { $0.points.compactMap(\.averageDeliveryHours) }.max() ?? 0
        let unit = DurationUnit.fitting(hours: maximum)
        let hours = zip(trends.series, styles).map { series, style in
            LineChart.Series(name: series.branch, colour: style.colour, dashed: style.dashed,
                             values: series.points.map { $0.averageDeliveryHours.map { $0 * unit.perHour } },
                             valueTexts: series.points.map { point in
                                 "\(series.branch), \(point.day): " + (point.averageDeliveryHours.map(HTML.hours) ?? "no deliveries")
                             })
        }
        let hoursChart = LineChart(id: "trend-hours", title: "Average delivery time per day and branch, \(range)",
                                   valueAxisLabel: "Average delivery time (\(unit.name))", days: trends.days, series: hours,
                                   tickText: { String(format: "%g", $0) })
        html += "<div class=\"charts\">"
            + "<figure><figcaption>Orders per day (by the day each order was placed, UTC)</figcaption>\(ordersChart.svg())</figure>"
            + "<figure><figcaption>Average delivery time per day (of the orders placed that day and delivered)</figcaption>"
            + "\(hoursChart.svg())</figure></div>"
        return html + "</section>"
    }

    private func table(_ snapshot: GoldSnapshot) -> String {
        var html = """
            <table id="branches"><caption>Orders and average delivery time per branch</caption>\
            <thead><tr><th scope="col">Branch</th><th scope="col" class="number">Orders</th>\
            <th scope="col" class="number">Average delivery</th></tr></thead><tbody>
            """
        for metric in snapshot.byOrders {
            let hours = metric.averageDeliveryHours.map(HTML.hours) ?? "no deliveries yet"
            html += "<tr><th scope=\"row\">\(HTML.escape(metric.branch))</th><td class=\"number\">\(HTML.count(metric.orderCount))</td>"
                + "<td class=\"number\">\(hours)</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
