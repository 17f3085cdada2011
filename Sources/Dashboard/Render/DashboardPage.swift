import Foundation

/// The whole page for `GET /`: self-contained (its stylesheet and script come from this
/// server, nothing from elsewhere, nothing inline, so the Content-Security-Policy can forbid
/// inline script), with the live part from `DashboardView`.
enum DashboardPage {
    static func render(state: DashboardState, now: Date) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Medallion — orders and deliveries per branch</title>
        <link rel="stylesheet" href="\(PageAssets.stylesheetPath.dropFirst())">
        </head><body>
        <header><h1>Orders and deliveries per branch</h1>\
        <p id="connection" class="connection" role="status">Live updates: connecting…</p></header>
        \(DashboardView(state: state, now: now).render())
        <footer>Medallion CDC · gold results from the lake, updated live</footer>
        <script src="\(PageAssets.scriptPath.dropFirst())"></script>
        </body></html>
        """
    }
}
