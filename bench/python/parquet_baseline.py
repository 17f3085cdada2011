"""pyarrow side of bench/parquet.

  parquet_baseline.py write --rows N --zstd-level L --out PATH
      generates the same order-like rows as MedallionBench (OrderData) and times
      pyarrow.parquet.write_table (single thread, ZSTD level L); prints one JSON object.
  parquet_baseline.py report --ours JSON --pyarrow JSON --ours-file PATH --pyarrow-file PATH
      checks our file with pyarrow (row count, and every value equal to pyarrow's file),
      then prints the comparison table and, last, the RESULT line. JSON is one object per
      line, one line per round (rounds interleaved); the table shows each writer's median
      round, the ratio range compares the two runs of each round.
"""
import argparse
import json
import resource
import sys
import time

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
except ImportError as error:
    print(f"missing Python module: {error.name}: run scripts/setup", file=sys.stderr)
    sys.exit(3)

BRANCHES = [f"branch-{i:02d}" for i in range(20)]
STATUSES = ["new", "paid", "shipped"]
BASE = 1_700_000_000_000_000
ROW_GROUP_ROWS = 1_048_576
U64 = pa.uint64()


def u(value):
    return pa.scalar(value, U64)


def shr(x, bits):
    return pc.shift_right(x, u(bits))


def mod(x, n):
    return pc.subtract(x, pc.multiply(pc.divide(x, u(n)), u(n)))


def splitmix64(x):
    # pyarrow's unchecked add/multiply wrap around, like Swift's &+ and &*.
    z = pc.add(x, u(0x9E3779B97F4A7C15))
    z = pc.multiply(pc.bit_wise_xor(z, shr(z, 30)), u(0xBF58476D1CE4E5B9))
    z = pc.multiply(pc.bit_wise_xor(z, shr(z, 27)), u(0x94D049BB133111EB))
    return pc.bit_wise_xor(z, shr(z, 31))


def i64(x):
    return pc.cast(x, pa.int64())


def generate(rows):
    """Mirrors OrderData in bench/MedallionBench/ParquetBench.swift."""
    i = pa.array(range(rows), U64)
    h = splitmix64(i)
    branch = mod(h, 20)
    status = mod(shr(h, 50), 3)
    created = pc.add(pc.add(pa.scalar(BASE), pc.multiply(i64(i), 250_000)), i64(mod(shr(h, 40), 250_000)))
    updated_null = pc.equal(mod(shr(h, 20), 10), u(0))
    updated = pc.add(created, i64(mod(shr(h, 12), 86_400_000_000)))
    cents = i64(mod(shr(h, 25), 10_000_000))
    # decimal128 storage is 16 little-endian bytes: (cents, 0) pairs, cents being non-negative.
    pairs = pc.take(pa.concat_arrays([cents, pa.array([0] * 1, pa.int64())]),
                    pc.if_else(pc.equal(mod(pa.array(range(2 * rows), U64), 2), u(0)),
                               pc.divide(pa.array(range(2 * rows), U64), u(2)), u(rows)))
    ts = pa.timestamp("us", tz="UTC")
    schema = pa.schema([
        pa.field("id", pa.int64(), nullable=False),
        pa.field("branch", pa.string(), nullable=False),
        pa.field("customer", pa.int64(), nullable=False),
        pa.field("amount", pa.decimal128(12, 2), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("created_at", ts, nullable=False),
        pa.field("updated_at", ts, nullable=True),
    ])
    branch_strings = pa.array(BRANCHES, pa.string()).take(branch)
    status_strings = pa.array(STATUSES, pa.string()).take(status)
    table = pa.Table.from_arrays([
        pc.add(i64(i), 1),
        branch_strings,
        pc.add(i64(mod(shr(h, 8), 100_000)), 1),
        pa.Array.from_buffers(pa.decimal128(12, 2), rows, [None, pairs.buffers()[1]]),
        status_strings,
        created.cast(ts),
        pc.if_else(updated_null, pa.scalar(None, pa.int64()), updated).cast(ts),
    ], schema=schema)
    null_count = pc.sum(pc.cast(updated_null, pa.int64())).as_py()
    input_bytes = (8 * (5 * rows - null_count) + pc.sum(pc.utf8_length(branch_strings)).as_py()
                   + pc.sum(pc.utf8_length(status_strings)).as_py())
    return table, input_bytes


def current_rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def write(args):
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    table, input_bytes = generate(args.rows)
    rss_before = current_rss()
    start = time.perf_counter()
    cpu_start = time.process_time()
    pq.write_table(
        table, args.out,
        compression="zstd", compression_level=args.zstd_level,
        row_group_size=ROW_GROUP_ROWS, data_page_size=1 << 20, dictionary_pagesize_limit=1 << 20,
        use_dictionary=True, write_statistics=True, data_page_version="1.0",
        store_decimal_as_integer=True,  # INT64 decimals, as our writer stores precision <= 18
    )
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    import os
    print(json.dumps({
        "writer": "pyarrow", "rows": args.rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "file_bytes": os.path.getsize(args.out),
        "input_bytes": input_bytes, "rss_before_bytes": rss_before,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


def median_round(runs):
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def report(args):
    ours_runs = [json.loads(line) for line in args.ours.splitlines() if line.strip()]
    theirs_runs = [json.loads(line) for line in args.pyarrow.splitlines() if line.strip()]
    if not ours_runs or len(ours_runs) != len(theirs_runs):
        sys.exit(f"bench/parquet: {len(ours_runs)} rounds of ours, {len(theirs_runs)} of pyarrow")
    ours, theirs = median_round(ours_runs), median_round(theirs_runs)
    round_ratios = sorted(t["seconds"] / o["seconds"] for o, t in zip(ours_runs, theirs_runs))
    cpu_ours = sorted(r["cpu_seconds"] for r in ours_runs)[len(ours_runs) // 2]
    cpu_theirs = sorted(r["cpu_seconds"] for r in theirs_runs)[len(theirs_runs) // 2]
    rows = ours["rows"]
    ours_table = pq.read_table(args.ours_file)
    theirs_table = pq.read_table(args.pyarrow_file)
    if ours_table.num_rows != rows:
        sys.exit(f"bench/parquet: pyarrow reads {ours_table.num_rows} rows from our file, expected {rows}")
    same = ours_table.equals(theirs_table.cast(ours_table.schema), check_metadata=False)
    if not same:
        sys.exit("bench/parquet: our file's values differ from pyarrow's file")
    encodings = {
        pq.ParquetFile(args.ours_file).schema.column(c).name: sorted(pq.ParquetFile(args.ours_file).metadata.row_group(0).column(c).encodings)
        for c in range(ours_table.num_columns)
    }

    def line(name, r):
        s = r["seconds"]
        return (f"{name:<9} {rows / s:>14,.0f} {r['input_bytes'] / s / 1e6:>10.1f} {r['file_bytes'] / 1e6:>11.2f} "
                f"{r['peak_rss_bytes'] / 1e6:>11.1f} {(r['peak_rss_bytes'] - r['rss_before_bytes']) / 1e6:>13.1f} {s:>9.3f}")

    print(f"verified: pyarrow reads {rows:,} rows from our file, values identical to pyarrow's own file")
    print("dictionary-encoded columns (ours): " + ", ".join(n for n, e in encodings.items() if "RLE_DICTIONARY" in e))
    print()
    print(f"{'writer':<9} {'rows/s':>14} {'in MB/s':>10} {'file MB':>11} {'peak RSS MB':>11} {'RSS growth MB':>13} {'seconds':>9}")
    print(line("ours", ours))
    print(line("pyarrow", theirs))
    speed = theirs["seconds"] / ours["seconds"]
    size = ours["file_bytes"] / theirs["file_bytes"]
    print(f"ratio ours/pyarrow: speed {speed:.2f}x (medians of {len(ours_runs)} rounds; per round "
          f"{round_ratios[0]:.2f}x to {round_ratios[-1]:.2f}x), file size {size:.3f}x, "
          f"peak RSS {ours['peak_rss_bytes'] / theirs['peak_rss_bytes']:.2f}x")
    print("seconds per round, ours:    " + " ".join(f"{r['seconds']:.3f}" for r in ours_runs))
    print("seconds per round, pyarrow: " + " ".join(f"{r['seconds']:.3f}" for r in theirs_runs))
    cpu_rounds = [" ".join(f"{r['cpu_seconds']:.3f}" for r in runs) for runs in (ours_runs, theirs_runs)]
    print(f"CPU seconds (median): ours {cpu_ours:.3f}, pyarrow {cpu_theirs:.3f}: speed {cpu_theirs / cpu_ours:.2f}x by CPU time "
          f"(per round, ours: {cpu_rounds[0]}; pyarrow: {cpu_rounds[1]})")
    print(f"(in MB/s = logical row bytes per second; peak RSS includes the generated input; ZSTD level {args.zstd_level}, single thread)")
    print(
        f"RESULT rows_per_s_ours={rows / ours['seconds']:.0f} rows_per_s_pyarrow={rows / theirs['seconds']:.0f} "
        f"speed_ratio={speed:.3f} size_ratio={size:.3f} bytes_ours={ours['file_bytes']} bytes_pyarrow={theirs['file_bytes']} "
        f"peak_rss_mb_ours={ours['peak_rss_bytes'] / 1e6:.1f} peak_rss_mb_pyarrow={theirs['peak_rss_bytes'] / 1e6:.1f} rows={rows} "
        f"rounds={len(ours_runs)} speed_ratio_min={round_ratios[0]:.3f} speed_ratio_max={round_ratios[-1]:.3f} "
        f"cpu_speed_ratio={cpu_theirs / cpu_ours:.3f}"
    )


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--rows", type=int, default=2_000_000)
    w.add_argument("--zstd-level", type=int, default=3)
    w.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--ours", required=True)
    r.add_argument("--pyarrow", required=True)
    r.add_argument("--ours-file", required=True)
    r.add_argument("--pyarrow-file", required=True)
    r.add_argument("--zstd-level", type=int, default=3)
    args = parser.parse_args()
    write(args) if args.command == "write" else report(args)


if __name__ == "__main__":
    main()
