"""Runs the silver and gold jobs over bronze fixtures in several ways, in one Spark
session, and prints what gold (and silver) says each way as one JSON object (for
StagesTests).

usage: spark-submit check_jobs.py <work-dir> <spec.json>...
  incremental: the batches committed one at a time, silver+gold after each
  warm:        incremental, with silver kept in memory between runs (the warm driver)
  noop:        incremental, then one more run with nothing new
  rerun:       incremental, then silver's bookmark put back as it was two runs earlier
               (a crash after writing data, before the bookmark, of a run that covered
               the last two batches) and run again
  rebuilt:     the rerun lake again with `--full`
  full:        one run over all of them in a fresh lake
  listed:      incremental without bronze's commit records (silver lists the partitions)
A spec's "light_bucket" sets the light path's keys per file (light.BUCKET) for its runs.
"gold_ways" (incremental, warm): per run, whether gold recomputed only what silver changed.
"index_rebuilds" (warm): how often the light path rebuilt its order index from all of
order_status (a Spark-path run in between carries it over).
After its first run, every way but `listed` must find its new files through the commit
records, listing no directory of bronze ("bronze_listings" counts those listings).
Output: {"<spec name>": {"<way>": result}}; each result:
  {"branches": [[branch, count, hours|null]], "orders": [[order_id, branch, order_date,
   delivery_date]], "daily": [[branch, day, count, hours|null]] (gold/branch_daily/),
   "daily_json": {...} (gold/branch_daily.json), "daily_sql": the same rows computed by
   DuckDB from silver's files (independently of gold), "silver_rows": n, "silver_keys": n,
   "silver": {"orders": [...], "status": [...]}, "silver_dates": {"orders": [[id, date]],
   "status": [[history_id, date]]}, "files_per_partition": the most files a silver
   partition holds, "marker": {...}, "json": {...}}, and for incremental and warm "steps":
   the branches after each batch.
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lakefs import LakeFS, spark_session, write_json  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
import duckdb  # noqa: E402
import driver  # noqa: E402
import light  # noqa: E402
import silver  # noqa: E402

work, spec_paths = sys.argv[1], sys.argv[2:]
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bronze_fixture.py")
spark = spark_session("medallion-check-jobs")


class Listings:
    """Counts the directory listings under bronze/ that silver and gold make."""

    def __init__(self):
        self.count = 0
        for name in ("glob", "list_dirs", "list_files"):
            original = getattr(LakeFS, name)
            setattr(LakeFS, name, self.counting(original))

    def counting(self, original):
        def listing(lake, relative, *arguments):
            if relative.startswith("bronze/") and not relative.startswith("bronze/_cdc"):
                self.count += 1
            return original(lake, relative, *arguments)
        return listing

    def taken(self):
        count, self.count = self.count, 0
        return count


LISTINGS = Listings()
INDEX_REBUILDS = [0]  # the light path's rebuilds of its order index from all of order_status
_rebuild = light.ByOrder.rebuild


def counted_rebuild(self, catalog):
    INDEX_REBUILDS[0] += 1
    return _rebuild(self, catalog)


light.ByOrder.rebuild = counted_rebuild
GOLD_WAYS = []  # per refresh of the current way: whether gold recomputed only what changed
RUN_LISTINGS = []  # per refresh of the current way: its listings of bronze
LIGHT_RUNS = []  # per refresh of the current way: whether silver took the light path (light.py)


def later_listings():
    """The bronze listings of the current way's runs after its first (which lists: it
    reads all of bronze so far)."""
    counts = list(RUN_LISTINGS)
    RUN_LISTINGS.clear()
    return sum(counts[1:])


def gold_ways():
    ways = list(GOLD_WAYS)
    GOLD_WAYS.clear()
    return ways


def light_runs():
    runs = list(LIGHT_RUNS)
    LIGHT_RUNS.clear()
    return runs


def build(spec, name, bookmark, commit_records=True):
    lake = os.path.join(work, spec["name"], name)
    os.makedirs(os.path.dirname(lake), exist_ok=True)
    with open(lake + ".json", "w") as out:
        json.dump(dict(spec, bookmark=bookmark, commit_records=commit_records), out)
    subprocess.run([sys.executable, fixture, lake, lake + ".json"], check=True)
    return lake


def branches(lake):
    rows = (spark.read.option("header", "true").schema("branch string, order_count long, avg_delivery_hours double")
            .csv(f"file://{lake}/gold/branch_metrics").collect())
    return sorted([r["branch"], int(r["order_count"]),
                   None if r["avg_delivery_hours"] is None else float(r["avg_delivery_hours"])] for r in rows)


def daily(lake):
    """gold/branch_daily/part-00000.csv as rows, its header checked."""
    with open(f"{lake}/gold/branch_daily/part-00000.csv") as source:
        lines = source.read().splitlines()
    if lines[0] != "branch,day,order_count,avg_delivery_hours":
        raise SystemExit(f"branch_daily has the header {lines[0]!r}")
    rows = [line.split(",") for line in lines[1:]]
    return [[b, d, int(c), None if h == "" else float(h)] for b, d, c, h in rows]


DAILY_SQL = """
    WITH per_order AS (
        SELECT order_id, branch,
               min(changed_at) FILTER (WHERE status = 'NEW') AS ordered,
               min(changed_at) FILTER (WHERE status = 'DELIVERED') AS delivered
        FROM read_parquet(?, hive_partitioning = false)
        WHERE branch IS NOT NULL GROUP BY order_id, branch)
    SELECT branch, strftime(CAST(ordered AS DATE), '%Y-%m-%d') AS day, count(*)::BIGINT,
           avg(epoch_us(delivered) - epoch_us(ordered)) / 3600e6
    FROM per_order WHERE ordered IS NOT NULL
    GROUP BY ALL ORDER BY branch, day
"""


def daily_sql(lake):
    """branch_daily as DuckDB computes it from silver's order_status files."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    files = f"{lake}/{silver.STATUS}/**/*.parquet"
    rows = connection.execute(DAILY_SQL, [files]).fetchall() if any(
        name.endswith(".parquet") for _, _, names in os.walk(f"{lake}/{silver.STATUS}") for name in names) else []
    connection.close()
    return [list(row) for row in rows]


def gold(lake):
    orders = (spark.read.option("header", "true")
              .schema("order_id long, branch string, order_date string, delivery_date string, delivery_hours double")
              .csv(f"file://{lake}/gold/order_delivery").orderBy("order_id").collect())
    status = spark.read.schema(silver.STATUS_SCHEMA).parquet(f"file://{lake}/{silver.STATUS}")
    silver_orders = spark.read.schema(silver.ORDERS_SCHEMA).parquet(f"file://{lake}/{silver.ORDERS}")
    return {
        "branches": branches(lake),
        "daily": daily(lake),
        "daily_json": json.load(open(f"{lake}/gold/branch_daily.json")),
        "daily_sql": daily_sql(lake),
        "orders": [[r["order_id"], r["branch"], r["order_date"], r["delivery_date"]] for r in orders],
        "silver_rows": status.count(),
        "silver_keys": status.select("history_id").distinct().count(),
        # Values as text, formatted by Spark (in UTC, the session's time zone).
        "silver": {
            "orders": sorted(list(r) for r in silver_orders.select(
                "id", "branch", F.col("amount").cast("string"), "_seq").collect()),
            "status": sorted(list(r) for r in status.select(
                "history_id", "order_id", "status", "branch",
                F.date_format("changed_at", "yyyy-MM-dd'T'HH:mm:ss")).collect()),
        },
        "silver_dates": {"orders": sorted([r["id"], str(r["date"])] for r in silver_orders.select("id", "date").collect()),
                         "status": sorted([r["history_id"], str(r["date"])] for r in status.select("history_id", "date").collect())},
        "files_per_partition": max([len([name for name in names if name.endswith(".parquet")])
                                    for table in (silver.ORDERS, silver.STATUS)
                                    for _, _, names in os.walk(f"{lake}/{table}")] or [0]),
        "marker": json.load(open(f"{lake}/gold/_marker.json")),
        "json": json.load(open(f"{lake}/gold/branch_metrics.json")),
    }


def check(result):
    if not result["ok"]:
        raise SystemExit(f"run failed: {result}")
    return result


def incremental(spec, name, committed, commit_records=True):
    """Runs after each committed batch; returns the lake, the branches after each batch
    and silver's bookmark after each run."""
    lake, steps, bookmarks = None, [], []
    for batch in committed:
        lake = build(spec, name, batch["batch"], commit_records)
        LISTINGS.taken()
        result = check(driver.refresh(spark, f"file://{lake}"))
        GOLD_WAYS.append(result.get("gold_incremental"))
        LIGHT_RUNS.append(bool(result.get("silver_light")))
        RUN_LISTINGS.append(LISTINGS.taken())
        steps.append(branches(lake))
        bookmarks.append(LakeFS(spark, f"file://{lake}").read_json(silver.BOOKMARK))
    return lake, steps, bookmarks


def ways(spec):
    committed = [b for b in spec["batches"] if b["batch"] <= spec["bookmark"]]
    output = {}

    # The same, as the warm driver runs it: silver kept in memory between runs, and the
    # runs that only insert and update taken by the light path (light.py).
    silver.MEMORY.enabled = light.MEMORY.enabled = True
    later_listings()
    gold_ways()
    light_runs()
    INDEX_REBUILDS[0] = 0
    lake, steps, _ = incremental(spec, "warm", committed)
    output["warm"] = dict(gold(lake), steps=steps, bronze_listings=later_listings(), gold_ways=gold_ways(),
                          light_runs=light_runs(), index_rebuilds=INDEX_REBUILDS[0])
    output["warm_noop"] = check(driver.refresh(spark, f"file://{lake}"))
    silver.MEMORY.enabled = light.MEMORY.enabled = False
    silver.MEMORY.forget()
    light.MEMORY.forget()

    # One batch at a time (uncommitted batches are on disk throughout).
    later_listings()
    gold_ways()
    lake, steps, bookmarks = incremental(spec, "incremental", committed)
    output["incremental"] = dict(gold(lake), steps=steps, bronze_listings=later_listings(), gold_ways=gold_ways())

    # The same without commit records (older than the last 1,000, or a lake from before
    # them): silver lists the partitions instead.
    listed, steps, _ = incremental(spec, "listed", committed, commit_records=False)
    output["listed"] = dict(gold(listed), steps=steps, bronze_listings=later_listings())

    # A second run with nothing new is a no-op; it removes what a writer killed mid-write
    # left behind (hidden temporary files beside gold's and silver's state files).
    planted = [f"{lake}/gold/.branch_metrics.json.{'a' * 32}.tmp", f"{lake}/gold/branch_daily/.part-00000.csv.{'b' * 32}.tmp",
               f"{lake}/silver/_state/.bookmark.json.{'c' * 32}.tmp"]
    for path in planted:
        with open(path, "w") as handle:
            handle.write("partial")
    started = time.monotonic()
    output["noop"] = check(driver.refresh(spark, f"file://{lake}"))
    output["noop"]["wall_ms"] = int((time.monotonic() - started) * 1000)
    left = [path for path in planted if os.path.exists(path)]
    if left:
        raise SystemExit(f"temporary files of an unfinished write left after a run: {left}")

    # A crash after silver wrote its data but before its bookmark: the bookmark as it
    # was two runs ago, silver's data and state as they are now.
    earlier = bookmarks[-3] if len(bookmarks) >= 3 else None
    if earlier is None:
        LakeFS(spark, f"file://{lake}").delete(silver.BOOKMARK)
    else:
        write_json(LakeFS(spark, f"file://{lake}"), silver.BOOKMARK, earlier)
    shutil.rmtree(f"{lake}/gold")
    output["rerun_batches"] = check(driver.refresh(spark, f"file://{lake}"))["batches"]
    output["rerun"] = gold(lake)

    # `refresh --full` over the same lake.
    check(driver.refresh(spark, f"file://{lake}", full=True))
    output["rebuilt"] = gold(lake)

    # Everything in one run.
    lake = build(spec, "full", spec["bookmark"])
    check(driver.refresh(spark, f"file://{lake}"))
    output["full"] = gold(lake)
    return output


results = {}
default_bucket = light.BUCKET
for path in spec_paths:
    spec = json.load(open(path))
    spec.setdefault("name", os.path.basename(os.path.dirname(path)))
    light.BUCKET = spec.get("light_bucket", default_bucket)
    results[spec["name"]] = ways(spec)

spark.stop()
print("CHECK-JOBS " + json.dumps(results, sort_keys=True))
