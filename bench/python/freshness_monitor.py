"""Watches gold/_marker.json and records when each bronze_batch first became visible.

usage: freshness_monitor.py <lake-dir> <out.json> <stop-file>
Polls every 20 ms until <stop-file> exists, then writes {"seen": [[epoch_s, bronze_batch], ...]}.
"""
import json
import os
import sys
import time

lake, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
marker = os.path.join(lake, "gold", "_marker.json")
seen, last = [], None
while not os.path.exists(stop):
    try:
        with open(marker) as f:
            batch = json.load(f)["bronze_batch"]
        if batch != last:
            seen.append([time.time(), batch])
            last = batch
    except (OSError, ValueError, KeyError):
        pass
    time.sleep(0.02)
with open(out, "w") as f:
    json.dump({"seen": seen}, f)
