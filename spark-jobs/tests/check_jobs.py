"""Runs the silver and gold jobs over a bronze fixture in several ways, in one Spark
session, and prints what gold says each way as one JSON object (for StagesTests).

usage: spark-submit check_jobs.py <spec.json> <work-dir>
  incremental: the batches committed one at a time, silver+gold after each
  full:        one run over all of them
  warm:        incremental, with silver kept in memory between runs (the warm driver)
  rerun:       incremental, then silver's bookmark set back one batch (a crash after
               writing data, before the bookmark) and run again
Each result: {"branches": [[branch, count, hours|null]], "orders": [...], "silver_rows": n}
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lakefs import LakeFS, spark_session, write_json  # noqa: E402
import driver  # noqa: E402
import silver  # noqa: E402

spec_path, work = sys.argv[1], sys.argv[2]
spec = json.load(open(spec_path))
fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bronze_fixture.py")
spark = spark_session("medallion-check-jobs")


def build(name, batches, bookmark):
    lake = os.path.join(work, name)
    partial = dict(spec, batches=batches, bookmark=bookmark)
    with open(lake + ".json", "w") as out:
        json.dump(partial, out)
    subprocess.run([sys.executable, fixture, lake, lake + ".json"], check=True)
    return lake


def gold(lake):
    rows = spark.read.option("header", "true").csv(f"file://{lake}/gold/branch_metrics").collect()
    orders = spark.read.option("header", "true").csv(f"file://{lake}/gold/order_delivery").orderBy("order_id").collect()
    status = spark.read.parquet(f"file://{lake}/{silver.STATUS}")
    return {
        "branches": sorted([r["branch"], int(r["order_count"]),
                            None if r["avg_delivery_hours"] is None else float(r["avg_delivery_hours"])] for r in rows),
        "orders": [[r["order_id"], r["branch"], r["order_date"], r["delivery_date"]] for r in orders],
        "silver_rows": status.count(),
        "silver_keys": status.select("history_id").distinct().count(),
        "marker": json.load(open(f"{lake}/gold/_marker.json")),
        "json": json.load(open(f"{lake}/gold/branch_metrics.json")),
    }


def check(result):
    if not result["ok"]:
        raise SystemExit(f"run failed: {result}")
    return result


committed = [b for b in spec["batches"] if b["batch"] <= spec["bookmark"]]
output = {}

# One batch at a time (uncommitted batches are on disk throughout).
lake = None
for count in range(1, len(committed) + 1):
    lake = build("incremental", spec["batches"][:], committed[count - 1]["batch"])
    check(driver.refresh(spark, f"file://{lake}"))
output["incremental"] = gold(lake)

# The same, as the warm driver runs it: silver kept in memory between runs.
silver.MEMORY.enabled = True
for count in range(1, len(committed) + 1):
    lake = build("warm", spec["batches"][:], committed[count - 1]["batch"])
    check(driver.refresh(spark, f"file://{lake}"))
output["warm"] = gold(lake)
output["warm_noop"] = check(driver.refresh(spark, f"file://{lake}"))
silver.MEMORY.enabled = False
lake = os.path.join(work, "incremental")

# A second run with nothing new is a no-op.
started = time.monotonic()
output["noop"] = check(driver.refresh(spark, f"file://{lake}"))
output["noop"]["wall_ms"] = int((time.monotonic() - started) * 1000)

# A crash after silver wrote its data but before its bookmark: the same batch again.
bookmark = LakeFS(spark, f"file://{lake}").read_json(silver.BOOKMARK)
write_json(LakeFS(spark, f"file://{lake}"), silver.BOOKMARK, {"bronze_batch": bookmark["bronze_batch"] - 1})
shutil.rmtree(f"{lake}/gold")
check(driver.refresh(spark, f"file://{lake}"))
output["rerun"] = gold(lake)

# Everything in one run.
lake = build("full", spec["batches"], spec["bookmark"])
check(driver.refresh(spark, f"file://{lake}"))
output["full"] = gold(lake)

spark.stop()
print("CHECK-JOBS " + json.dumps(output, sort_keys=True))
