"""Gold: per order its order and delivery time (the pivot of the original job), and per
branch the order count and average delivery hours.

Definitions (the dashboard and the acceptance checks rely on them):
  order time     = the order's NEW ordershistory.changed_at
  delivery time  = its DELIVERED changed_at
  order_count    = orders of the branch with a NEW record, delivered or not
  avg_delivery_hours = mean of (delivery - order time) in hours over delivered orders
                   only; empty (JSON null) when none of the orders counted is delivered
  day                = the UTC date of the order time, YYYY-MM-DD

Outputs under gold/ (each file replaced atomically; _marker.json is written after the
figures it describes):
  order_delivery/         CSV, one row per order: order_id,branch,order_date,delivery_date,delivery_hours;
                          one file per order date, part-<YYYY-MM-DD>.csv, by order_id
  branch_daily/           CSV part-00000.csv: branch,day,order_count,avg_delivery_hours, one row
                          per branch and day with orders, by branch then day
  branch_daily.json       the same rows with produced_at and bronze_batch, for the dashboard
  branch_metrics/         CSV part-00000.csv: branch,order_count,avg_delivery_hours
  branch_metrics.json     the same rows with produced_at and bronze_batch, for the dashboard
  _marker.json            produced_at, bronze_batch, counts
The dashboard takes branch_metrics.json as the sign of a new result, so branch_daily.json
is written just before it, with the same produced_at and bronze_batch.

Incremental: a run recomputes only the orders silver changed since the batch gold covers
(silver/_state/changes, see silver.py) and the days they belong to, now or before. Gold's
own state, beside its outputs:
  _state/orders/<day>.json   the orders of one order day: [order_id, branch, order_date,
                             delivery_date, delivery µs]; order_delivery/part-<day>.csv is its CSV
  _state/daily.json          per branch and day: orders, delivered, total delivery µs, and
                             the bronze_batch they cover
Sums are of whole microseconds, so a day's figures do not depend on which runs built
them. Without state, or when silver's change records do not reach back to the batch gold
covers (or one says "full": a TRUNCATE, a very large run), the run recomputes everything
from silver.
"""
import datetime
import time

from pyspark.sql import functions as F

import contract
from lakefs import write_json
from phases import NONE
import light
import silver

MARKER = contract.GOLD_MARKER
STATE = "gold/_state"
DAILY_STATE = STATE + "/daily.json"
ORDERS_STATE = STATE + "/orders"
ORDER_DELIVERY = "gold/order_delivery"


def per_order(status):
    """Per order of `status` (silver order_status rows), one row: order_id, branch,
    order_date and delivery_date (ISO text), delivery_us (NULL until delivered)."""
    status = status.where("branch IS NOT NULL")
    # A NEW and a DELIVERED record per order; should history hold two, the first counts.
    pivot = status.groupBy("order_id", "branch").agg(
        F.min(F.when(F.col("status") == "NEW", F.col("changed_at"))).alias("ordered_at"),
        F.min(F.when(F.col("status") == "DELIVERED", F.col("changed_at"))).alias("delivered_at"),
    )
    return pivot.where("ordered_at IS NOT NULL").selectExpr(
        "order_id", "branch", "CAST(to_date(ordered_at) AS string) AS order_date",
        "CAST(to_date(delivered_at) AS string) AS delivery_date",
        "unix_micros(delivered_at) - unix_micros(ordered_at) AS delivery_us")


def by_day(rows):
    """{order day: [[order_id, branch, order_date, delivery_date, delivery_us]]}."""
    days = {}
    for row in rows:
        days.setdefault(row[2], []).append([row[0], row[1], row[2], row[3], row[4]])
    return days


def day_sums(day, orders):
    """{(branch, day): [orders, delivered, total delivery µs]} of one day's orders."""
    sums = {}
    for _, branch, _, _, micros in orders:
        entry = sums.setdefault((branch, day), [0, 0, 0])
        entry[0] += 1
        if micros is not None:
            entry[1] += 1
            entry[2] += micros
    return sums


def hours(micros, delivered):
    return micros / 3_600_000_000.0 / delivered if delivered else None


def daily_rows(sums):
    """(branch, day, order_count, avg_delivery_hours or None), by branch then day."""
    return [(branch, day, count, hours(micros, done)) for (branch, day), (count, done, micros) in sorted(sums.items())]


def branch_rows(sums):
    """(branch, order_count, avg_delivery_hours or None), by branch: the days added up."""
    totals = {}
    for (branch, _), (count, done, micros) in sums.items():
        total = totals.setdefault(branch, [0, 0, 0])
        total[0], total[1], total[2] = total[0] + count, total[1] + done, total[2] + micros
    return [(branch, count, hours(micros, done)) for branch, (count, done, micros) in sorted(totals.items())]


def csv_text(header, rows):
    """CSV with `header`; the last field of a row is hours, empty when None."""
    lines = [header]
    for *fields, hours in rows:
        texts = ['"' + f.replace('"', '""') + '"' if isinstance(f, str) and any(c in f for c in ',"\n') else str(f)
                 for f in fields]
        lines.append(",".join(texts + ['' if hours is None else repr(float(hours))]))
    return "\n".join(lines) + "\n"


ORDER_HEADER = "order_id,branch,order_date,delivery_date,delivery_hours"


def order_csv(orders):
    return csv_text(ORDER_HEADER, [(order_id, branch, order_date, delivery_date or "",
                                    None if micros is None else micros / 3_600_000_000.0)
                                   for order_id, branch, order_date, delivery_date, micros in sorted(orders)])


def write_day(lake, day, orders):
    """Replaces one order day's state and CSV (both removed when it has no orders)."""
    if orders:
        write_json(lake, f"{ORDERS_STATE}/{day}.json", orders)
        lake.write_atomically(f"{ORDER_DELIVERY}/part-{day}.csv", order_csv(orders))
    else:
        lake.delete(f"{ORDER_DELIVERY}/part-{day}.csv")
        lake.delete(f"{ORDERS_STATE}/{day}.json")


def changed_since(lake, covered, upto):
    """(order ids, days) silver changed in (covered, upto] by its change records, or None
    when gold must recompute everything (a record missing or saying "full")."""
    records = {}
    for name in lake.list_files(silver.CHANGES):
        if name.endswith(".json") and name[:-5].isdigit():
            records[int(name[:-5])] = name
    orders, days, batch = set(), set(), upto
    while batch > covered:
        if batch not in records:
            return None
        record = lake.read_json(f"{silver.CHANGES}/{records[batch]}")
        if record is None or record.get("full") or record.get("orders") is None:
            return None
        orders.update(record["orders"])
        days.update(record.get("dates") or [])
        batch = int(record["previous_batch"])
    return orders, days


def forget_changes(lake, upto):
    """Removes silver's change records gold has consumed (those up to `upto`)."""
    for name in lake.list_files(silver.CHANGES):
        if name.endswith(".json") and name[:-5].isdigit() and int(name[:-5]) <= upto:
            lake.delete(f"{silver.CHANGES}/{name}")


def recompute_all(spark, lake, phases):
    """Every order day from silver; returns the sums per branch and day."""
    status = silver.current(spark, lake, silver.STATUS) if lake.exists(silver.STATUS) else None
    with phases("gold.aggregate"):
        days = by_day(per_order(status).toLocalIterator()) if status is not None else {}
    with phases("gold.order_delivery"):
        for directory in (ORDERS_STATE, ORDER_DELIVERY, "gold/_staging"):  # _staging: older versions' swap
            lake.delete(directory)
        sums = {}
        for day, orders in sorted(days.items()):
            write_day(lake, day, orders)
            sums.update(day_sums(day, orders))
    return sums


def fresh_orders(spark, lake, orders):
    """by_day of `orders` as silver holds them, by Spark."""
    status = silver.current(spark, lake, silver.STATUS) if lake.exists(silver.STATUS) else None
    if status is None:
        return {}
    return by_day(per_order(silver.keyed(spark, status, "order_id", sorted(orders))).collect())


def recompute_changed(spark, lake, state, orders, days, phases):
    """Only the orders silver changed and the days they were or are in; returns the sums."""
    sums = {(branch, day): entry for branch, day, *entry in state["rows"]}
    if not orders:
        return sums
    with phases("gold.aggregate"):
        # Silver held in this process by the warm driver's light path: no Spark job.
        fresh = light.per_order_days(lake, orders)
        if fresh is None:
            fresh = fresh_orders(spark, lake, orders)
    with phases("gold.order_delivery"):
        for day in sorted(set(days) | set(fresh)):
            kept = [row for row in (lake.read_json(f"{ORDERS_STATE}/{day}.json") or []) if row[0] not in orders]
            day_orders = kept + fresh.get(day, [])
            write_day(lake, day, day_orders)
            sums = {key: entry for key, entry in sums.items() if key[1] != day}
            sums.update(day_sums(day, day_orders))
    return sums


def run(spark, lake, bronze_batch, phases=NONE, force=False):
    """Brings gold up to `bronze_batch` (unless it already covers it and not `force`):
    from silver's changes since the batch it covers, else from all of silver."""
    started = time.monotonic()
    for directory in ("gold", "gold/branch_daily", "gold/branch_metrics", ORDER_DELIVERY, STATE, ORDERS_STATE):
        lake.remove_temporaries(directory)
    marker = lake.read_json(MARKER)
    if (not force and marker and marker.get("bronze_batch") == bronze_batch and lake.exists(contract.GOLD_BRANCH_METRICS)
            and lake.exists(contract.GOLD_BRANCH_DAILY)):
        return {"gold_ms": 0, "gold_skipped": True}
    state = lake.read_json(DAILY_STATE)
    changes = None
    if not force and marker and state and state.get("bronze_batch") == marker.get("bronze_batch"):
        changes = changed_since(lake, int(marker["bronze_batch"]), bronze_batch)
    if changes is None:
        sums = recompute_all(spark, lake, phases)
    else:
        sums = recompute_changed(spark, lake, state, changes[0], changes[1], phases)
    rows, days = branch_rows(sums), daily_rows(sums)
    order_total = sum(count for _, count, _ in rows)
    produced_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    with phases("gold.publish"):
        write_json(lake, DAILY_STATE, {"bronze_batch": bronze_batch,
                                       "rows": [[branch, day, *entry] for (branch, day), entry in sorted(sums.items())]})
        # One CSV file each, written atomically from the driver: the aggregates are small.
        lake.write_atomically("gold/branch_daily/part-00000.csv", csv_text("branch,day,order_count,avg_delivery_hours", days))
        write_json(lake, contract.GOLD_BRANCH_DAILY, {
            "produced_at": produced_at, "bronze_batch": bronze_batch,
            "rows": [{"branch": b, "day": d, "order_count": c, "avg_delivery_hours": h} for b, d, c, h in days],
        })
        lake.write_atomically("gold/branch_metrics/part-00000.csv", csv_text("branch,order_count,avg_delivery_hours", rows))
        write_json(lake, contract.GOLD_BRANCH_METRICS, {
            "produced_at": produced_at, "bronze_batch": bronze_batch,
            "branches": [{"branch": b, "order_count": c, "avg_delivery_hours": h} for b, c, h in rows],
        })
        gold_ms = int((time.monotonic() - started) * 1000)
        write_json(lake, MARKER, {"produced_at": produced_at, "bronze_batch": bronze_batch,
                                  "orders": order_total, "branches": len(rows), "gold_ms": gold_ms,
                                  "incremental": changes is not None})
        forget_changes(lake, bronze_batch)
    return {"gold_ms": int((time.monotonic() - started) * 1000), "gold_skipped": False,
            "gold_incremental": changes is not None}


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
