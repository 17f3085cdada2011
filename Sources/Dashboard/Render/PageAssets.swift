/// The page's stylesheet and script, served by the dashboard itself (nothing is loaded from
/// elsewhere, so the page works with no internet). The page links them relatively, so it
/// also works under a reverse proxy's path prefix.
enum PageAssets {
    static let stylesheetPath = "/assets/dashboard.css"
    static let scriptPath = "/assets/dashboard.js"

    static let css = """
        :root{color-scheme:light;--fg:#1b1b1b;--muted:#555;--line:#d0d0d0;--card:#f6f7f9;--warn:#fff4d6;--warn-line:#b37800;--err:#fde3e1;--err-line:#b3261e}
        *{box-sizing:border-box}
        body{margin:0 auto;max-width:1360px;padding:16px 24px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:#fff}
        header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:8px}
        h1{font-size:1.5rem;margin:0 0 4px}
        .connection{margin:0;color:var(--muted);font-size:.9rem}
        .connection.down{color:var(--err-line);font-weight:600}
        .freshness{color:var(--muted);margin:4px 0 16px}
        .freshness .stale{color:var(--warn-line);font-weight:600}
        .banner{padding:10px 14px;border-left:5px solid var(--warn-line);background:var(--warn);margin:8px 0}
        .banner.error{border-color:var(--err-line);background:var(--err)}
        .empty{padding:24px;background:var(--card);border-radius:8px;margin:16px 0}
        .empty h2{margin-top:0}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px;margin-bottom:16px}
        .card{background:var(--card);border-radius:8px;padding:14px 18px;border-top:5px solid #E69F00}
        .card h2{font-size:.95rem;margin:0;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        .card .name{font-size:1.9rem;font-weight:700;margin:4px 0 0}
        .card .figure{margin:0;font-size:1.05rem}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
        figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px}
        figcaption{font-weight:600;margin-bottom:4px}
        svg.chart{width:100%;height:auto;display:block;font-size:13px}
        svg .label,svg .value{fill:var(--fg)}
        svg .tick{fill:var(--muted);font-size:11px}
        svg .axis-label{fill:var(--fg);font-size:12px;font-weight:600}
        svg .grid{stroke:#e6e6e6}
        svg .axis{stroke:#333}
        svg .bar:hover rect{opacity:.8}
        .trends{margin-top:16px}
        .trends h2{font-size:1.15rem;margin:8px 0}
        .trends .empty{padding:12px 16px}
        .legend{list-style:none;display:flex;flex-wrap:wrap;gap:6px 18px;padding:0;margin:0 0 10px}
        .legend li{display:flex;align-items:center;gap:6px}
        .legend .swatch{width:28px;height:10px}
        svg .point:hover{opacity:.7}
        code{font-size:.95em}
        table{border-collapse:collapse;margin:16px 0;min-width:50%}
        caption{text-align:left;font-weight:600;padding:4px 0}
        th,td{border-bottom:1px solid var(--line);padding:6px 12px;text-align:left}
        .number{text-align:right;font-variant-numeric:tabular-nums}
        footer{color:var(--muted);font-size:.85rem;margin-top:24px}
        """

    static let script = """
        (function(){
          "use strict";
          var offset = 0, version = null, busy = false, again = false, source = null;
          function live(){ return document.getElementById("live"); }
          function adopt(){
            var main = live();
            version = main.dataset.version;
            offset = Number(main.dataset.serverNow) - Date.now();
          }
          function ago(ms){
            var s = Math.max(0, Math.round((Date.now() + offset - ms) / 1000));
            if (s < 90) return s + " s ago";
            var m = Math.round(s / 60); if (m < 90) return m + " min ago";
            var h = Math.round(m / 60); if (h < 48) return h + " h ago";
            return Math.round(h / 24) + " days ago";
          }
          function tick(){
            document.querySelectorAll("[data-since]").forEach(function(e){ e.textContent = ago(Number(e.dataset.since)); });
          }
          function refresh(){
            if (busy) { again = true; return; }
            busy = true;
            fetch("fragment", {cache: "no-store"}).then(function(r){
              if (!r.ok) throw new Error("HTTP " + r.status);
              return r.text();
            }).then(function(html){
              var x = window.scrollX, y = window.scrollY;
              live().outerHTML = html;
              adopt(); tick();
              window.scrollTo(x, y);
              document.dispatchEvent(new CustomEvent("dashboard:updated", {detail: version}));
            }).catch(function(){ again = true; }).then(function(){
              busy = false;
              if (again) { again = false; setTimeout(refresh, 500); }
            });
          }
          function connection(up){
            var e = document.getElementById("connection");
            e.textContent = up ? "Live updates: on" : "Live updates: reconnecting…";
            e.className = up ? "connection" : "connection down";
            window.dashboardConnected = up;
          }
          function connect(){
            source = new EventSource("events");
            source.onopen = function(){ connection(true); };
            source.onerror = function(){
              connection(false);
              // A server that answered with an error closes the source for good: retry ourselves.
              if (source.readyState === EventSource.CLOSED) { source.close(); setTimeout(connect, 2000); }
            };
            source.addEventListener("update", function(e){
              var data = JSON.parse(e.data);
              if (data.version !== version) refresh();
            });
            source.addEventListener("bronze", function(e){
              var data = JSON.parse(e.data);
              var batch = document.getElementById("bronze-batch");
              var since = document.getElementById("bronze-since");
              if (batch && since && data.committed_at_ms !== null) {
                batch.textContent = data.batch; since.dataset.since = data.committed_at_ms; tick();
              } else { refresh(); }
            });
          }
          adopt(); tick(); setInterval(tick, 1000); connect();
        })();
        """
}
