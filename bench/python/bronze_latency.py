"""Commit → bronze-visible latency from a bronze directory.

For every row changed after <since> (epoch seconds), latency = the mtime of the file that
holds it (the moment its rename made it visible) − the row's _changed_at (taken inside
the writing transaction, just before its commit). Prints p50/p95/p99/max in ms as JSON.
usage: bronze_latency.py <lake-dir> <since-epoch-seconds> [table ...]
"""
import glob
import json
import os
import sys

import pyarrow.parquet as pq

lake, since = sys.argv[1], float(sys.argv[2])
tables = sys.argv[3:] or ["orders", "ordershistory"]
latencies = []
for table in tables:
    for path in glob.glob(f"{lake}/bronze/{table}/date=*/part-*.parquet"):
        visible = os.stat(path).st_mtime
        if visible < since:
            continue
        column = pq.read_table(path, columns=["_changed_at"]).column("_changed_at")
        for value in column.to_pylist():
            changed = value.timestamp()
            if changed >= since:
                latencies.append((visible - changed) * 1000.0)
latencies.sort()


def pct(p):
    if not latencies:
        return float("nan")
    return latencies[min(len(latencies) - 1, int(round(p / 100.0 * (len(latencies) - 1))))]


print(json.dumps({"rows": len(latencies), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
                  "max_ms": latencies[-1] if latencies else float("nan")}))
