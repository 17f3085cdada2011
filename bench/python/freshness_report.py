"""Commit → gold-visible latency for one runner, from a finished bench/freshness run.

usage: freshness_report.py <lake-dir> <monitor.json> <daemon.log> <since-epoch-s>
For each bronze batch committed after <since> (commit time = mtime of its commit record),
latency = the first time gold's marker covered it (bronze_batch >= N) - its commit time.
The split comes from the daemon's "stages run finished" log lines. Prints JSON.
"""
import glob
import json
import os
import re
import statistics
import sys

lake, monitor, log, since = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
seen = json.load(open(monitor))["seen"]
latencies = []
for path in glob.glob(f"{lake}/bronze/_cdc/commits/*.json"):
    batch, committed = int(os.path.basename(path)[:-5]), os.stat(path).st_mtime
    if committed < since:
        continue
    visible = next((t for t, b in seen if b >= batch and t >= committed), None)
    if visible is not None:
        latencies.append(visible - committed)
latencies.sort()


def pct(values, p):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


runs = []
for line in open(log, errors="replace"):
    if "stages run finished" in line:
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        runs.append({k: int(fields.get(k, 0)) for k in ("queue_wait_ms", "spark_start_ms", "job_ms", "silver_ms", "gold_ms", "total_ms")})
steady = runs[1:] or runs  # the first run after start catches up the initial snapshot
print(json.dumps({
    "batches": len(latencies), "runs": len(runs),
    "p50_s": pct(latencies, 50), "p95_s": pct(latencies, 95), "max_s": latencies[-1] if latencies else float("nan"),
    **{f"median_{k}": statistics.median(r[k] for r in steady) if steady else float("nan")
       for k in ("queue_wait_ms", "spark_start_ms", "job_ms", "silver_ms", "gold_ms", "total_ms")},
}))
