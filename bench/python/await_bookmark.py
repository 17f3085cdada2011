"""Waits until bronze's bookmark covers a table's last backlog row.

One process polls every 10 ms: starting an interpreter per check would take CPU from the
daemon being measured. With a pid, exits 1 as soon as that process (the daemon) is gone.
usage: await_bookmark.py <bookmark-file> <last-seq> [pid] [table (default public.orders)]
"""
import json
import os
import sys
import time

path, last = sys.argv[1], int(sys.argv[2])
pid = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
table = sys.argv[4] if len(sys.argv) > 4 else "public.orders"
while True:
    try:
        if json.load(open(path))["tables"][table]["seq"] >= last:
            break
    except (OSError, ValueError, KeyError):
        pass
    if pid is not None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(1)
    time.sleep(0.01)
