"""Silver: the current state of orders and of their status history, joined, from the
bronze change files not yet consumed.

Incremental: `silver/_state/bookmark.json` records the last bronze batch consumed; each
run reads only the files of later committed batches (<= bronze/bookmark). Changes are
applied as upserts keyed by primary key, and a newer bronze batch always carries newer
(_txid, _seq) than what silver holds, so re-running over the same batches (a crash
after writing data but before the bookmark) rewrites the same rows: no duplicates.

Datasets, Parquet partitioned by date (UTC):
  silver/orders/date=<created_at date>/         latest row per order id (deletes removed)
  silver/order_status/date=<changed_at date>/   latest row per ordershistory id, INTRANSIT
                                                dropped, with its order's branch/customer/amount
"""
import time

from pyspark.sql import Window
from pyspark.sql import functions as F

from lakefs import write_json

BOOKMARK = "silver/_state/bookmark.json"
ORDERS = "silver/orders"
STATUS = "silver/order_status"

# Explicit schemas: Spark would otherwise run a job per read just to infer them. Bronze
# files may carry more columns (after ADD COLUMN); only these are read.
CAPTURE = "_op string, _txid long, _seq long, _changed_at timestamp"
BRONZE_SCHEMAS = {
    "orders": "id long, branch string, customer string, amount decimal(12,2), status string, "
              "created_at timestamp, updated_at timestamp, " + CAPTURE,
    "ordershistory": "id long, order_id long, status string, changed_at timestamp, " + CAPTURE,
}
ORDERS_SCHEMA = ("id long, branch string, customer string, amount decimal(12,2), status string, "
                 "created_at timestamp, updated_at timestamp, _txid long, _seq long, date date")
STATUS_SCHEMA = ("history_id long, order_id long, status string, changed_at timestamp, _txid long, _seq long, "
                 "branch string, customer string, amount decimal(12,2), date date")


def read_silver(spark, lake, table):
    """A silver table, or None before its first write."""
    if not lake.exists(table):
        return None
    return spark.read.schema(ORDERS_SCHEMA if table == ORDERS else STATUS_SCHEMA).parquet(lake.uri(table))


def bronze_batch(lake):
    bookmark = lake.read_json("bronze/bookmark")
    return int(bookmark["batch"]) if bookmark else 0


def silver_batch(lake):
    bookmark = lake.read_json(BOOKMARK)
    return int(bookmark["bronze_batch"]) if bookmark else 0


def new_files(lake, table, after, upto):
    """Committed bronze files of batches in (after, upto]; files of later batches belong
    to a commit still in progress."""
    if upto - after <= 256:
        # Name the batches in the glob, so the listing returns only the new files
        # instead of every file bronze has ever written.
        batches = ",".join(f"{batch:020d}" for batch in range(after + 1, upto + 1))
        return lake.glob(f"bronze/{table}/date=*/part-{{{batches}}}-*.parquet")
    files = []
    for uri in lake.glob(f"bronze/{table}/date=*/part-*.parquet"):
        batch = int(uri.rsplit("/", 1)[1][5:25])
        if after < batch <= upto:
            files.append(uri)
    return files


def latest_changes(spark, table, files):
    """The last change per primary key among `files`, in commit order (_txid, _seq)."""
    if not files:
        return None
    frame = spark.read.schema(BRONZE_SCHEMAS[table]).parquet(*files)
    newest_first = Window.partitionBy("id").orderBy(F.col("_txid").desc(), F.col("_seq").desc())
    # Cached: the few new changes feed several plans below; the first action fills it.
    return frame.withColumn("_rank", F.row_number().over(newest_first)).where("_rank = 1").drop("_rank").cache()


def upsert(spark, lake, table, rows, removed_keys, key):
    """Replaces rows by `key` in a date-partitioned table, rewriting only the partitions
    that held a changed key or receive one. `rows` are the new images, `removed_keys`
    the keys to drop. Two Spark jobs: find the partitions, rewrite them."""
    existing = read_silver(spark, lake, table)
    # Cached: the new rows are few, and both jobs below need them.
    rows = rows.select(*(existing.columns if existing is not None else rows.columns)).cache()
    changed = rows.select(key).unionByName(removed_keys.select(key))
    if existing is None:
        dates, result = None, rows
    else:
        touched = existing.join(F.broadcast(changed), key, "left_semi").select("date")
        dates = sorted({row["date"] for row in touched.unionByName(rows.select("date")).distinct().collect()})
        if not dates:
            rows.unpersist()
            return
        # Partition pruning by a literal list; the write below replaces only these
        # partitions (dynamic overwrite), staging its files until the job commits, so
        # reading them in the same plan is safe.
        kept = existing.where(F.col("date").isin(dates)).join(F.broadcast(changed), key, "left_anti")
        result = kept.unionByName(rows)
        before = {date: lake.list_files(f"{table}/date={date.isoformat()}") for date in dates}
    (result.coalesce(1).write.mode("overwrite")
     .option("partitionOverwriteMode", "dynamic").partitionBy("date").parquet(lake.uri(table)))
    rows.unpersist()
    if dates:
        # A partition whose last rows were all removed got no new files: dynamic
        # overwrite left its old ones in place, so remove it.
        for date in dates:
            files = lake.list_files(f"{table}/date={date.isoformat()}")
            if files and files == before[date]:
                lake.delete(f"{table}/date={date.isoformat()}")


def run(spark, lake, full=False):
    """Consumes the new bronze batches; returns a summary dict."""
    started = time.monotonic()
    if full:
        for path in (ORDERS, STATUS, BOOKMARK):
            lake.delete(path)
    after, upto = silver_batch(lake), bronze_batch(lake)
    if upto <= after:
        return {"bronze_batch": after, "batches": 0, "silver_ms": 0}

    orders = latest_changes(spark, "orders", new_files(lake, "orders", after, upto))
    history = latest_changes(spark, "ordershistory", new_files(lake, "ordershistory", after, upto))

    if orders is not None:
        live = (orders.where("_op <> 'D'").drop("_op", "_changed_at")
                .withColumn("date", F.to_date("created_at")))
        upsert(spark, lake, ORDERS, live, orders.where("_op = 'D'").select("id"), "id")

    if orders is not None or history is not None:
        current_orders = read_silver(spark, lake, ORDERS)
        if current_orders is None:  # history whose orders are not captured (yet): kept, joined later
            current_orders = spark.createDataFrame([], ORDERS_SCHEMA)
        order_columns = current_orders.select(F.col("id").alias("order_id"), "branch", "customer", "amount")
        candidates = None
        removed = spark.createDataFrame([], "history_id long")
        if history is not None:
            history = history.withColumnRenamed("id", "history_id")
            # INTRANSIT records are dropped here, as the original job does: gold only
            # needs when an order was placed (NEW) and when it arrived (DELIVERED).
            candidates = (history.where("_op <> 'D' AND status <> 'INTRANSIT'")
                          .select("history_id", "order_id", "status", "changed_at", "_txid", "_seq"))
            removed = history.where("_op = 'D' OR status = 'INTRANSIT'").select("history_id")
        existing = read_silver(spark, lake, STATUS)
        if orders is not None and existing is not None:
            # Status rows of changed orders take the order's new columns (or lose them
            # when the order is gone).
            refreshed = (existing.join(orders.select(F.col("id").alias("order_id")), "order_id", "left_semi")
                         .select("history_id", "order_id", "status", "changed_at", "_txid", "_seq"))
            if history is not None:
                refreshed = refreshed.join(history.select("history_id"), "history_id", "left_anti")
            candidates = refreshed if candidates is None else candidates.unionByName(refreshed)
        if candidates is not None:
            joined = (candidates.join(order_columns, "order_id", "left")
                      .withColumn("date", F.to_date("changed_at")))
            upsert(spark, lake, STATUS, joined, removed, "history_id")

    for frame in (orders, history):
        if frame is not None:
            frame.unpersist()
    write_json(lake, BOOKMARK, {"bronze_batch": upto, "previous_batch": after})
    return {"bronze_batch": upto, "batches": upto - after, "silver_ms": int((time.monotonic() - started) * 1000)}


if __name__ == "__main__":
    import json
    import sys

    from lakefs import LakeFS, spark_session
    if len(sys.argv) < 2:
        sys.exit("usage: silver.py <lake-uri> [--full]")
    session = spark_session("medallion-silver")
    print(json.dumps(run(session, LakeFS(session, sys.argv[1]), full="--full" in sys.argv[2:])))
    session.stop()
