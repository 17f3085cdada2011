"""Gold: per order its order and delivery time (the pivot of the original job), and per
branch the order count and average delivery hours.

Definitions (the dashboard and the acceptance checks rely on them):
  order time     = the order's NEW ordershistory.changed_at
  delivery time  = its DELIVERED changed_at
  order_count    = orders of the branch with a NEW record, delivered or not
  avg_delivery_hours = mean of (delivery - order time) in hours over delivered orders
                   only; empty (JSON null) when none of the orders counted is delivered
  day                = the UTC date of the order time, YYYY-MM-DD

Outputs under gold/ (each replaced atomically; _marker.json is written after the figures
it describes, order_delivery/ right after the marker):
  order_delivery/         CSV, one row per order: order_id,branch,order_date,delivery_date,delivery_hours
  branch_daily/           CSV part-00000.csv: branch,day,order_count,avg_delivery_hours, one row
                          per branch and day with orders, by branch then day
  branch_daily.json       the same rows with produced_at and bronze_batch, for the dashboard
  branch_metrics/         CSV part-00000.csv: branch,order_count,avg_delivery_hours
  branch_metrics.json     the same rows with produced_at and bronze_batch, for the dashboard
  _marker.json            produced_at, bronze_batch, counts
The dashboard takes branch_metrics.json as the sign of a new result, so branch_daily.json
is written just before it, with the same produced_at and bronze_batch.
"""
import datetime
import time
import uuid

from pyspark.sql import functions as F

from lakefs import write_json
from phases import NONE
import silver

MARKER = "gold/_marker.json"


def per_order(spark, lake):
    status = silver.current(spark, lake, silver.STATUS).where("branch IS NOT NULL")
    # A NEW and a DELIVERED record per order; should history hold two, the first counts.
    pivot = status.groupBy("order_id", "branch").agg(
        F.min(F.when(F.col("status") == "NEW", F.col("changed_at"))).alias("ordered_at"),
        F.min(F.when(F.col("status") == "DELIVERED", F.col("changed_at"))).alias("delivered_at"),
    )
    return (pivot.where("ordered_at IS NOT NULL")
            .withColumn("order_date", F.to_date("ordered_at"))
            .withColumn("delivery_date", F.to_date("delivered_at"))
            .withColumn("delivery_hours",
                        (F.unix_micros("delivered_at") - F.unix_micros("ordered_at")) / F.lit(3_600_000_000.0)))


def daily_sums(orders):
    """One Spark job for both aggregates: per branch and day, the orders, the delivered
    orders and the sum of their delivery hours, sorted by branch then day (here rather
    than by Spark, which would sample first: the rows are few)."""
    sums = (orders.groupBy("branch", "order_date")
            .agg(F.count(F.lit(1)).alias("orders"), F.count("delivery_hours").alias("delivered"),
                 F.sum("delivery_hours").alias("hours")))
    return sorted((row["branch"], row["order_date"].isoformat(), row["orders"], row["delivered"], row["hours"] or 0.0)
                  for row in sums.collect())


def mean(hours, delivered):
    return hours / delivered if delivered else None


def daily_rows(sums):
    """(branch, day, order_count, avg_delivery_hours or None), by branch then day."""
    return [(branch, day, orders, mean(hours, delivered)) for branch, day, orders, delivered, hours in sums]


def branch_rows(sums):
    """(branch, order_count, avg_delivery_hours or None), by branch: the days added up."""
    totals = {}
    for branch, _, orders, delivered, hours in sums:
        count, done, total = totals.get(branch, (0, 0, 0.0))
        totals[branch] = (count + orders, done + delivered, total + hours)
    return [(branch, count, mean(total, done)) for branch, (count, done, total) in sorted(totals.items())]


def csv_text(header, rows):
    """CSV with `header`; the last field of a row is hours, empty when None."""
    lines = [header]
    for *fields, hours in rows:
        texts = ['"' + f.replace('"', '""') + '"' if isinstance(f, str) and any(c in f for c in ',"\n') else str(f)
                 for f in fields]
        lines.append(",".join(texts + ['' if hours is None else repr(float(hours))]))
    return "\n".join(lines) + "\n"


def publish_order_delivery(lake, orders):
    """Writes the per-order CSV to a staging directory, then swaps it in (the two renames
    leave the directory briefly absent, never half written)."""
    staging = f"gold/_staging/order_delivery-{uuid.uuid4().hex}"
    (orders.select("order_id", "branch", "order_date", "delivery_date", "delivery_hours")
     # One file anyway: sorting inside the single partition spares a sampling job.
     .coalesce(1).sortWithinPartitions("order_id")
     .write.mode("overwrite").option("header", "true").csv(lake.uri(staging)))
    old = f"gold/_staging/old-{uuid.uuid4().hex}"
    if lake.exists("gold/order_delivery"):
        lake.rename_dir("gold/order_delivery", old)
    lake.rename_dir(staging, "gold/order_delivery")
    lake.delete(old)


def run(spark, lake, bronze_batch, phases=NONE, force=False):
    """Rebuilds gold from silver unless it already covers `bronze_batch` (and not `force`)."""
    started = time.monotonic()
    for directory in ("gold", "gold/branch_daily", "gold/branch_metrics"):
        lake.remove_temporaries(directory)
    marker = lake.read_json(MARKER)
    if (not force and marker and marker.get("bronze_batch") == bronze_batch and lake.exists("gold/branch_metrics.json")
            and lake.exists("gold/branch_daily.json")):
        return {"gold_ms": 0, "gold_skipped": True}
    with phases("gold.aggregate"):
        if lake.exists(silver.STATUS):
            orders = per_order(spark, lake).cache()
            sums = daily_sums(orders)
        else:
            orders, sums = None, []
        rows, days = branch_rows(sums), daily_rows(sums)
        order_total = sum(count for _, count, _ in rows)
    produced_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with phases("gold.publish"):
        # One CSV file each, written atomically from the driver: the aggregates are small.
        lake.write_atomically("gold/branch_daily/part-00000.csv", csv_text("branch,day,order_count,avg_delivery_hours", days))
        write_json(lake, "gold/branch_daily.json", {
            "produced_at": produced_at, "bronze_batch": bronze_batch,
            "rows": [{"branch": b, "day": d, "order_count": c, "avg_delivery_hours": h} for b, d, c, h in days],
        })
        lake.write_atomically("gold/branch_metrics/part-00000.csv", csv_text("branch,order_count,avg_delivery_hours", rows))
        write_json(lake, "gold/branch_metrics.json", {
            "produced_at": produced_at, "bronze_batch": bronze_batch,
            "branches": [{"branch": b, "order_count": c, "avg_delivery_hours": h} for b, c, h in rows],
        })
        gold_ms = int((time.monotonic() - started) * 1000)
        write_json(lake, MARKER, {"produced_at": produced_at, "bronze_batch": bronze_batch,
                                  "orders": order_total, "branches": len(rows), "gold_ms": gold_ms})
    # The per-order table follows the branch metrics the dashboard waits for.
    if orders is not None:
        with phases("gold.order_delivery"):
            publish_order_delivery(lake, orders)
        orders.unpersist()
    return {"gold_ms": int((time.monotonic() - started) * 1000), "gold_skipped": False}


if __name__ == "__main__":
    import json
    import sys

    from lakefs import LakeFS, spark_session
    if len(sys.argv) < 2:
        sys.exit("usage: gold.py <lake-uri>")
    session = spark_session("medallion-gold")
    lake = LakeFS(session, sys.argv[1])
    print(json.dumps(run(session, lake, silver.silver_batch(lake))))
    session.stop()
