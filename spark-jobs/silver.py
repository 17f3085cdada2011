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
import uuid

from pyspark.sql import Window
from pyspark.sql import functions as F

from lakefs import write_json
from phases import NONE

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
    """A silver table as the lake holds it, or None before its first write."""
    if not lake.exists(table):
        return None
    return spark.read.schema(ORDERS_SCHEMA if table == ORDERS else STATUS_SCHEMA).parquet(lake.uri(table))


class Memory:
    """The silver tables as this session last wrote them, for the warm driver.

    Its session lives on between runs, so re-listing and re-reading all of silver each
    run (and again in gold) is wasted work: the tables are kept as lineage-free local
    checkpoints instead. They are trusted only while silver's bookmark carries the
    random `version` written with them; another writer (a `refresh --full`, a crash
    before the bookmark) changes or leaves behind a different one, and the run reads
    the lake as a cold run does.
    """

    def __init__(self):
        self.enabled = False  # set by the warm driver; one-shot runs gain nothing from it
        self.version, self.tables = None, {}

    def tables_for(self, bookmark):
        if self.enabled and bookmark and bookmark.get("version") == self.version:
            return self.tables
        return {}

    def forget(self):
        self.version, self.tables = None, {}


MEMORY = Memory()


def current(spark, lake, table):
    """A silver table, from memory when it is still the lake's, else from the lake."""
    return kept_or_read(spark, lake, table, MEMORY.tables_for(lake.read_json(BOOKMARK)))


def kept_or_read(spark, lake, table, kept_tables):
    """`table` from `kept_tables` (see Memory.tables_for), else as the lake holds it."""
    kept = kept_tables.get(table)
    return kept if kept is not None else read_silver(spark, lake, table)


def bronze_batch(lake):
    bookmark = lake.read_json("bronze/bookmark")
    return int(bookmark["batch"]) if bookmark else 0


def silver_batch(lake):
    return covered_batch(lake.read_json(BOOKMARK))


def covered_batch(bookmark):
    """The last bronze batch silver's `bookmark` covers (0 before the first run)."""
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


def upsert(lake, table, existing, rows, removed_keys, key, keep, phases=NONE):
    """Replaces rows by `key` in a date-partitioned table, rewriting only the partitions
    that held a changed key or receive one. `rows` are the new images, `removed_keys`
    the keys to drop. Two Spark jobs: find the partitions, rewrite them. Returns the
    whole new table when `keep` (a local checkpoint, filled by the rewrite), else None."""
    # Cached: the new rows are few, and both jobs below need them.
    rows = rows.select(*(existing.columns if existing is not None else rows.columns)).cache()
    changed = rows.select(key).unionByName(removed_keys.select(key))
    if existing is None:
        dates, result = None, rows
    else:
        touched = existing.join(F.broadcast(changed), key, "left_semi").select("date")
        with phases(table + ".dates"):
            dates = sorted({row["date"] for row in touched.unionByName(rows.select("date")).distinct().collect()})
        if not dates:
            rows.unpersist()
            return existing if keep else None
        kept = existing.join(F.broadcast(changed), key, "left_anti")
        if not keep:
            # Partition pruning by a literal list: a cold run reads only these partitions.
            kept = kept.where(F.col("date").isin(dates))
        result = kept.unionByName(rows)
        before = {date: lake.list_files(f"{table}/date={date.isoformat()}") for date in dates}
    whole = None
    if keep:
        # Eager, so the next run's plans start from these rows, not from a lineage
        # that grows with every run; coalesced, as each union adds its inputs' partitions.
        partitions = int(rows.sparkSession.conf.get("spark.sql.shuffle.partitions"))
        with phases(table + ".keep"):
            whole = result.coalesce(partitions).localCheckpoint(eager=True)
        result = whole if dates is None else whole.where(F.col("date").isin(dates))
    # The write replaces only the partitions it writes to (dynamic overwrite), staging
    # its files until the job commits, so reading them in the same plan is safe.
    with phases(table + ".write"):
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
    return whole


def run(spark, lake, full=False, phases=NONE):
    """Consumes the new bronze batches; returns a summary dict."""
    started = time.monotonic()
    if full:
        for path in (ORDERS, STATUS, BOOKMARK):
            lake.delete(path)
    bookmark = lake.read_json(BOOKMARK)
    after, upto = covered_batch(bookmark), bronze_batch(lake)
    if upto <= after:
        return {"bronze_batch": after, "batches": 0, "silver_ms": 0}
    # Trusted again only once this run's bookmark is written.
    memory, keep = MEMORY.tables_for(bookmark), MEMORY.enabled
    MEMORY.forget()

    with phases("silver.list"):
        order_files, history_files = new_files(lake, "orders", after, upto), new_files(lake, "ordershistory", after, upto)
    with phases("silver.read"):
        orders = latest_changes(spark, "orders", order_files)
        history = latest_changes(spark, "ordershistory", history_files)
    cached = [frame for frame in (orders, history) if frame is not None]  # released at the end

    current_orders = kept_or_read(spark, lake, ORDERS, memory)
    if orders is not None:
        live = (orders.where("_op <> 'D'").drop("_op", "_changed_at")
                .withColumn("date", F.to_date("created_at")))
        with phases("silver.orders"):
            whole = upsert(lake, ORDERS, current_orders, live, orders.where("_op = 'D'").select("id"), "id", keep, phases)
        current_orders = whole if keep else read_silver(spark, lake, ORDERS)

    current_status = kept_or_read(spark, lake, STATUS, memory)
    if orders is not None or history is not None:
        if current_orders is None:  # history whose orders are not captured (yet): kept, joined later
            current_orders = spark.createDataFrame([], ORDERS_SCHEMA)
        order_columns = current_orders.select(F.col("id").alias("order_id"), "branch", "customer", "amount")
        candidates = None
        removed = spark.range(0).select(F.col("id").alias("history_id"))  # none (no Python rows to ship)
        if history is not None:
            history = history.withColumnRenamed("id", "history_id")
            # INTRANSIT records are dropped here, as the original job does: gold only
            # needs when an order was placed (NEW) and when it arrived (DELIVERED).
            candidates = (history.where("_op <> 'D' AND status <> 'INTRANSIT'")
                          .select("history_id", "order_id", "status", "changed_at", "_txid", "_seq"))
            removed = history.where("_op = 'D' OR status = 'INTRANSIT'").select("history_id")
        if orders is not None and current_status is not None:
            # Status rows of changed orders take the order's new columns (or lose them
            # when the order is gone).
            refreshed = (current_status.join(orders.select(F.col("id").alias("order_id")), "order_id", "left_semi")
                         .select("history_id", "order_id", "status", "changed_at", "_txid", "_seq"))
            if history is not None:
                refreshed = refreshed.join(history.select("history_id"), "history_id", "left_anti")
            candidates = refreshed if candidates is None else candidates.unionByName(refreshed)
        if candidates is not None:
            joined = (candidates.join(order_columns, "order_id", "left")
                      .withColumn("date", F.to_date("changed_at")))
            with phases("silver.status"):
                current_status = upsert(lake, STATUS, current_status, joined, removed, "history_id", keep, phases)

    for frame in cached:
        frame.unpersist()
    version = uuid.uuid4().hex
    write_json(lake, BOOKMARK, {"bronze_batch": upto, "previous_batch": after, "version": version})
    if keep:
        MEMORY.version, MEMORY.tables = version, {ORDERS: current_orders, STATUS: current_status}
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
