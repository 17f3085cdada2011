"""Silver: the current state of orders and of their status history, joined, from the
bronze change files not yet consumed.

Incremental: `silver/_state/bookmark.json` records the last bronze batch consumed; each
run reads only the files of later committed batches (<= bronze/bookmark).

Per-key order is `_seq`. Within one table the latest change of a key is the one with the
highest `_seq`. `_txid` is not change order (ids are taken at a transaction's first write,
not at commit), and an older change of a key can arrive in a later bronze batch than a
newer one: the capture watermark lets a committed low-txid transaction through while a
higher-txid one that changed the key before it waits behind a still-open transaction.
So a run takes the highest-`_seq` change per key among its new files (markers aside) and
applies it only if its `_seq` is at least what silver already knows of that key:
  - the `_seq` of the row silver holds (silver rows keep their change's `_txid`, `_seq`),
  - the `_seq` of the key's tombstone (silver/_state/deleted, below),
  - and it must be above the table's truncate floor (silver/_state/truncated.json).
An equal `_seq` is the same change read again (a re-run): applying it again is harmless.
A key change is a `D` of the old key then the new key's row (higher `_seq`): two keys,
each by this rule. Every rule is "the highest `_seq` wins", so the result depends only
on the set of changes consumed, not on how they were batched: re-running batches already
consumed (a crash after writing data but before the bookmark) changes nothing, and
`--full` (which deletes silver and its state and reads all of bronze in one run) equals
incremental.

Hidden state (names starting with `_` are ignored by readers of silver):
  silver/_state/deleted/<orders|order_status>/date=<date of the change>/
        tombstones (key, _seq), Parquet: keys silver does not hold because of a change it
        applied. Recorded per key and run when the latest change is a `D`, or an update
        that makes a status record INTRANSIT (dropped from silver). A dropped insert (an
        INTRANSIT record's `I`/`R`) records none of its own: a key's change before an
        insert is always the key's delete, recorded with it when it is in the same run,
        or when it arrives. (Until that delete arrives, an even older change arriving
        first would show the record again; the delete then removes it.) Tombstones only
        accumulate: a later row has a higher `_seq` and wins, an older change loses to
        both; the partitions a run adds to are rewritten (dynamic overwrite), so a re-run
        adds nothing, and a consumed truncate drops those below its floor. One small row
        per deleted key is kept; nothing else removes them.
  silver/_state/truncated.json
        {"<bronze table>": `_seq` of its latest TRUNCATE marker}, the floor. A `T` marker
        (all source columns NULL) means every key whose latest change is older is gone:
        silver drops those rows and ignores older changes arriving later; markers never
        become rows. Truncating orders leaves every order_status row of a removed order
        without its order's columns, as deleting the order does. Written as soon as a run
        finds a new marker, before the data: a re-run finds the same marker.
  silver/_state/changes/<bronze batch>.json
        what a run changed, for gold (gold.py): {"previous_batch", "bronze_batch", "orders":
        the order ids whose status rows it changed (or refreshed), "dates": the
        order_status partitions it rewrote, "full": true when gold must recompute
        everything (a TRUNCATE, more than CHANGED_ORDERS_LIMIT orders)}. Written before
        the bookmark; gold removes those it has consumed.
  silver/_state/bookmark.json
        the last bronze batch consumed, written last.

How a run finds what to rewrite: per table one Spark job (the survey) compares the new
changes with the rows and tombstones silver holds and returns the partitions to rewrite,
the changes that lose to what silver holds, the latest marker and the dates of new
tombstones; a second job rewrites those partitions. Only a run with a marker above the
floor surveys again (above the new floor), and only one with deletes or a marker writes
tombstones.

`_overflow` (new bronze files only; NULL when absent): a JSON object of the PostgreSQL
text of values the column's Parquet type could not hold (the column is NULL then).
Silver casts that text to the column's type with `try_cast` (a value still out of range,
or NaN for a decimal, stays NULL).

Datasets, Parquet partitioned by date (UTC):
  silver/orders/date=<created_at date>/         latest row per order id (deletes removed)
  silver/order_status/date=<changed_at date>/   latest row per ordershistory id, INTRANSIT
                                                dropped, with its order's branch/customer/amount
"""
import datetime
import time
import uuid

from pyspark.sql import Window
from pyspark.sql import functions as F

import contract
from lakefs import write_json
from phases import NONE

STATE = "silver/_state"
BOOKMARK = contract.SILVER_BOOKMARK
TRUNCATED = STATE + "/truncated.json"
CHANGES = contract.SILVER_CHANGES
# Past this many changed orders in one run, gold recomputes everything rather than
# carrying the ids around.
CHANGED_ORDERS_LIMIT = 100_000
# A run that rewrites from the lake (no silver in memory) reads only the rows of the keys
# it changes, up to this many, by a literal list Parquet statistics prune (keys grow with
# time, so old files are skipped from their footers): its cost follows the changes, not
# silver's size.
LITERAL_KEYS = 5_000
ORDERS = "silver/orders"
STATUS = "silver/order_status"
# Tombstones per silver table, and the bronze table whose changes they record.
DELETED = {ORDERS: STATE + "/deleted/orders", STATUS: STATE + "/deleted/order_status"}
KEYS = {ORDERS: "id", STATUS: "history_id"}
HIDDEN_DATE = "__HIVE_DEFAULT_PARTITION__"  # the partition of a NULL date

# Explicit schemas: Spark would otherwise run a job per read just to infer them. Bronze
# files may carry more columns (after ADD COLUMN); only these are read. Files written
# before `_overflow` existed lack it: Spark reads it as NULL there.
SOURCE_COLUMNS = {
    "orders": [("id", "long"), ("branch", "string"), ("customer", "string"), ("amount", "decimal(12,2)"),
               ("status", "string"), ("created_at", "timestamp"), ("updated_at", "timestamp")],
    "ordershistory": [("id", "long"), ("order_id", "long"), ("status", "string"), ("changed_at", "timestamp")],
}
CAPTURE = "_op string, _txid long, _seq long, _changed_at timestamp, _overflow string"
BRONZE_SCHEMAS = {table: ", ".join(f"{name} {kind}" for name, kind in columns) + ", " + CAPTURE
                  for table, columns in SOURCE_COLUMNS.items()}
ORDERS_SCHEMA = ("id long, branch string, customer string, amount decimal(12,2), status string, "
                 "created_at timestamp, updated_at timestamp, _txid long, _seq long, date date")
STATUS_SCHEMA = ("history_id long, order_id long, status string, changed_at timestamp, _txid long, _seq long, "
                 "branch string, customer string, amount decimal(12,2), date date")
COLUMNS = {table: [column.split()[0] for column in schema.split(", ")]
           for table, schema in ((ORDERS, ORDERS_SCHEMA), (STATUS, STATUS_SCHEMA))}
SCHEMAS = {ORDERS: ORDERS_SCHEMA, STATUS: STATUS_SCHEMA,
           DELETED[ORDERS]: "id long, _seq long, date date", DELETED[STATUS]: "history_id long, _seq long, date date"}


def read_silver(spark, lake, table):
    """A silver table (or tombstone set) as the lake holds it, or None before its first write."""
    if not lake.exists(table):
        return None
    return spark.read.schema(SCHEMAS[table]).parquet(lake.uri(table))


class Memory:
    """The silver tables as this session last wrote them, for the warm driver.

    Its session lives on between runs, so re-listing and re-reading all of silver each
    run (and again in gold) is wasted work: the tables are kept as lineage-free local
    checkpoints instead (and the tombstones as the reads of their last write). They are
    trusted only while silver's bookmark carries the random `version` written with
    them; another writer (a `refresh --full`, a crash before the bookmark) changes or
    leaves behind a different one, and the run reads the lake as a cold run does.
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
    bookmark = lake.read_json(contract.BRONZE_BOOKMARK)
    return int(bookmark["batch"]) if bookmark else 0


def silver_batch(lake):
    return covered_batch(lake.read_json(BOOKMARK))


def covered_batch(bookmark):
    """The last bronze batch silver's `bookmark` covers (0 before the first run)."""
    return int(bookmark["bronze_batch"]) if bookmark else 0


def new_files(lake, tables, after, upto):
    """{table: URIs of the committed bronze files of batches in (after, upto]}; files of
    later batches belong to a commit still in progress.

    The daemon hands a run its files through the commit records it writes (one per
    batch, naming the batch's files), so a run reads only those, never listing bronze's
    history. When a record is missing (the daemon keeps the last 1,000), the run lists
    the table directories instead, as it does from the start (after == 0: the first run,
    `--full`), when compaction may have merged the files a record names (it merges only
    batches silver's bookmark covers, or any batch of a lake with no silver yet)."""
    if after == 0:
        return listed_files(lake, tables, after, upto)
    files = {table: [] for table in tables}
    for batch in range(after + 1, upto + 1):
        record = lake.read_json(contract.commit_record(batch))
        if record is None:
            return listed_files(lake, tables, after, upto)
        for part in record.get("tables", []):
            name = part["table"]["name"] if part["table"]["schema"] == "public" else \
                f'{part["table"]["schema"]}.{part["table"]["name"]}'
            if name in files:
                files[name].extend(lake.uri(file["path"]) for file in part["files"])
    return files


def listed_files(lake, tables, after, upto):
    """new_files by listing the table directories (slower: lists every partition)."""
    files = {}
    for table in tables:
        if upto - after <= 256:
            # Name the batches in the glob, so the listing returns only the new files.
            batches = ",".join(f"{batch:020d}" for batch in range(after + 1, upto + 1))
            files[table] = lake.glob(f"bronze/{table}/date=*/part-{{{batches}}}-*.parquet")
            continue
        files[table] = [uri for uri in lake.glob(f"bronze/{table}/date=*/part-*.parquet")
                        if after < (contract.batch_of_file(uri.rsplit("/", 1)[1]) or 0) <= upto]
    return files


# Expressions are SQL text where plans are built every run: one call into the JVM per
# transformation rather than one per piece of each Column built in Python.

def read_changes(spark, table, files):
    """Every change in `files`, with `_overflow` applied to the source columns."""
    frame = spark.read.schema(BRONZE_SCHEMAS[table]).parquet(*files)
    return frame.selectExpr(*[f"coalesce(`{name}`, try_cast(from_json(_overflow, 'map<string,string>')['{name}'] AS {kind})) "
                              f"AS `{name}`" for name, kind in SOURCE_COLUMNS[table]],
                            "_op", "_txid", "_seq", "_changed_at")


# The `_seq` of the tombstone a change per key (from newest_changes) records, or NULL:
# a delete, or an update that silver drops (INTRANSIT); a dropped insert records its
# key's delete of the same run, if any (see the module docstring).
TOMBSTONE_SEQ = {
    "orders": "CASE WHEN _op = 'D' THEN _seq END",
    "ordershistory": "CASE WHEN NOT _live AND _op IN ('D', 'U') THEN _seq WHEN NOT _live THEN _deleted END",
}


def newest_changes(table, changes):
    """Per key its highest-`_seq` change among `changes`, with `_live` (False: the key is
    to be absent from silver), and for ordershistory `_deleted` (the `_seq` of the key's
    latest delete among them). TRUNCATE markers all have the NULL key: one row stands for
    the latest. Cached: the few new changes feed several plans; the first action (the
    survey) fills it."""
    if table == "orders":
        columns = [name for name, _ in SOURCE_COLUMNS[table]] + ["_op <> 'D' AS _live"]
    else:
        columns = [("id AS history_id" if name == "id" else name) for name, _ in SOURCE_COLUMNS[table]] + [
            "_op <> 'D' AND NOT status <=> 'INTRANSIT' AS _live",
            "max(CASE WHEN _op = 'D' THEN _seq END) OVER (PARTITION BY id) AS _deleted"]
    return (changes.selectExpr(*columns, "_op", "_txid", "_seq", "_changed_at",
                               "row_number() OVER (PARTITION BY id ORDER BY _seq DESC) AS _rank")
            .where("_rank = 1").drop("_rank").cache())


def above(newest, floor):
    """The changes of `newest` that are not markers and not below the truncate `floor`."""
    return newest.where(f"_op <> 'T' AND _seq > {int(floor)}")


def tombstones_of(table, newest):
    """The tombstones (key, _seq, date) `newest` (of bronze `table`) records."""
    key = "id" if table == "orders" else "history_id"
    return (newest.where("_op <> 'T'").selectExpr(key, f"{TOMBSTONE_SEQ[table]} AS _seq", "to_date(_changed_at) AS date")
            .where("_seq IS NOT NULL"))


def change_facts(table, newest):
    """`newest` (of bronze `table`) as survey facts, in one pass: the latest TRUNCATE
    marker's `_seq`, and the dates of the new tombstones."""
    return (newest.selectExpr(f"CASE WHEN _op = 'T' THEN 'marker' WHEN ({TOMBSTONE_SEQ[table]}) IS NOT NULL "
                              "THEN 'deleted' END AS tag", "CAST(NULL AS long) AS key",
                              "CASE WHEN _op = 'T' THEN _seq END AS seq",
                              "CASE WHEN _op <> 'T' THEN to_date(_changed_at) END AS date")
            .where("tag IS NOT NULL"))


def fact(frame, tag, key="NULL", seq="NULL", date="NULL"):
    """`frame` as rows of one Spark job's findings: (tag, key, seq, date), each given as
    an SQL expression."""
    return frame.selectExpr(f"{tag} AS tag", f"CAST({key} AS long) AS key", f"CAST({seq} AS long) AS seq",
                            f"CAST({date} AS date) AS date")


class Survey:
    """What a rewrite of one silver table needs to know, found by one Spark job:
      dates    the partitions to rewrite: those holding a key that changes, a row below
               the truncate floor, or receiving a row
      blocked  (key, _seq) of the candidates older than silver's row or tombstone of the key
      marker   the `_seq` of the latest TRUNCATE marker among the new changes, or None
      deleted  the dates of the new tombstones' partitions
      orders   for order_status, the order ids of the candidates (the orders whose
               figures gold recomputes)"""

    def __init__(self, table, existing, deleted, changes, candidates, floor, phases=NONE):
        """`changes`: the new changes as facts (change_facts), or None."""
        key = KEYS[table]
        keys = F.broadcast(candidates.selectExpr(key, "_seq AS _new"))
        parts = [fact(candidates.where("_live"), "'date'", date="date")] + ([changes] if changes is not None else [])
        if table == STATUS:
            parts.append(fact(candidates, "'order'", key="order_id"))
        if existing is not None:
            # One pass over the table: the candidates older than the row held (blocked),
            # and the partitions that change.
            found = (existing.join(keys, key, "left")
                     .selectExpr(f"CASE WHEN _seq > _new THEN 'blocked' WHEN _new IS NOT NULL OR _seq < {int(floor)} "
                                 "THEN 'date' END AS tag", key, "_new", "date")
                     .where("tag IS NOT NULL"))
            parts.append(fact(found, "tag", key=f"CASE WHEN tag = 'blocked' THEN {key} END",
                              seq="CASE WHEN tag = 'blocked' THEN _new END", date="CASE WHEN tag = 'date' THEN date END"))
        if deleted is not None:
            parts.append(fact(deleted.join(keys, key).where("_seq > _new"), "'blocked'", key=key, seq="_new"))
        union = parts[0]
        for part in parts[1:]:
            union = union.unionByName(part)
        self.dates, self.blocked, self.marker, self.deleted, self.orders = set(), set(), None, set(), set()
        with phases(phase(table) + ".dates"):
            rows = union.distinct().collect()
        for row in rows:
            if row["tag"] == "date":
                self.dates.add(row["date"])
            elif row["tag"] == "blocked":
                self.blocked.add((row["key"], row["seq"]))
            elif row["tag"] == "marker":
                self.marker = row["seq"]
            elif row["tag"] == "order":
                self.orders.add(row["key"])
            else:
                self.deleted.add(row["date"])
        self.dates = sorted(self.dates, key=lambda date: (date is None, date))


def phase(table):
    """The name of `table` (a silver path) in the run's phase timings."""
    return table[len("silver/"):]


def partition_filter(dates):
    """A filter for the partitions `dates` (a NULL date is Hive's default partition)."""
    known = [f"DATE'{date.isoformat()}'" for date in dates if date is not None]
    terms = ([f"date IN ({', '.join(known)})"] if known else []) + (["date IS NULL"] if None in dates else [])
    return F.expr(" OR ".join(terms) or "false")


def partition_path(table, date):
    return f"{table}/date={HIDDEN_DATE if date is None else date.isoformat()}"


def rewrite(lake, table, result, dates, phases=NONE):
    """Writes `result` (the whole new content of the partitions `dates`, or of the table
    when `dates` is None) as `table`, replacing only the partitions it writes to (dynamic
    overwrite, which stages its files until the job commits, so reading them in the same
    plan is safe); a partition left with no rows is removed."""
    before = {date: lake.list_files(partition_path(table, date)) for date in (dates or [])}
    with phases(phase(table) + ".write"):
        (result.coalesce(1).write.mode("overwrite")
         .option("partitionOverwriteMode", "dynamic").partitionBy("date").parquet(lake.uri(table)))
    # A partition whose last rows were all removed got no new files: dynamic overwrite
    # left its old ones in place, so remove it.
    for date in dates or []:
        files = lake.list_files(partition_path(table, date))
        if files and files == before[date]:
            lake.delete(partition_path(table, date))


def without_blocked(spark, table, candidates, survey):
    """`candidates` without those `survey` found blocked (usually none)."""
    if not survey.blocked:
        return candidates
    key = KEYS[table]
    blocked = spark.createDataFrame(sorted(survey.blocked), f"{key} long, _seq long")
    return candidates.join(F.broadcast(blocked), [key, "_seq"], "left_anti")


def upsert(spark, lake, table, existing, candidates, survey, floor, keep, phases=NONE):
    """Applies `candidates` (the table's columns and `_live`, none below `floor`, at most
    one per key once those `survey` found blocked are left out) to a date-partitioned table,
    rewriting only the partitions `survey` found: a live candidate replaces its key's
    row, another removes it, and rows below `floor` go. One Spark job (the rewrite).
    Returns the whole new table when `keep` (a local checkpoint, filled by the
    rewrite), else None."""
    key = KEYS[table]
    candidates = without_blocked(spark, table, candidates, survey)
    rows = candidates.where("_live").select(*COLUMNS[table])
    dates = survey.dates
    if existing is None:
        dates, result = None, rows
    else:
        if not dates:
            return existing if keep else None
        kept = existing.join(F.broadcast(candidates.select(key)), key, "left_anti")
        if floor:
            kept = kept.where(f"_seq > {int(floor)}")
        if not keep:
            # Partition pruning by a literal list: a cold run reads only these partitions.
            kept = kept.where(partition_filter(dates))
        result = kept.unionByName(rows)
    whole = None
    if keep:
        # Eager, so the next run's plans start from these rows, not from a lineage
        # that grows with every run; coalesced, as each union adds its inputs' partitions.
        partitions = int(spark.conf.get("spark.sql.shuffle.partitions"))
        with phases(phase(table) + ".keep"):
            whole = result.coalesce(partitions).localCheckpoint(eager=True)
        result = whole if dates is None else whole.where(partition_filter(dates))
    rewrite(lake, table, result, dates, phases)
    return whole


def record_tombstones(lake, table, deleted, new, dates, floor, truncated, phases=NONE):
    """Adds the `new` tombstones (on `dates`) above `floor` to the set `deleted`; after a
    truncate (`truncated`), every partition is rewritten without those below the floor.
    Returns whether anything was written."""
    path = DELETED[table]
    if truncated and deleted is not None:
        dates = set(dates) | {None if name == "date=" + HIDDEN_DATE else datetime.date.fromisoformat(name[5:])
                              for name in lake.list_dirs(path) if name.startswith("date=")}
    if not dates:
        return False
    dates = sorted(dates, key=lambda date: (date is None, date))
    key = KEYS[table]
    rows = new
    if deleted is not None:
        rows = deleted.where(partition_filter(dates)).unionByName(rows)
    rows = rows.where(F.col("_seq") > floor).groupBy(key, "date").agg(F.max("_seq").alias("_seq"))
    rewrite(lake, path, rows.select(key, "_seq", "date"), dates if deleted is not None else None, phases)
    return True


class Floors:
    """silver/_state/truncated.json: per bronze table the `_seq` of its latest TRUNCATE."""

    def __init__(self, lake):
        self.lake, self.seqs = lake, lake.read_json(TRUNCATED) or {}

    def __getitem__(self, table):
        return self.seqs.get(table, 0)

    def raise_to(self, table, seq):
        """Raises `table`'s floor to `seq`, written at once: a crash after this leaves
        nothing a re-run would not redo. Returns whether it rose."""
        if seq is None or seq <= self[table]:
            return False
        self.seqs = {**self.seqs, table: seq}
        write_json(self.lake, TRUNCATED, self.seqs)
        return True


def distinct_keys(frame, column):
    """The distinct non-NULL values of `column` in `frame` (small, cached), or None when
    there are more than LITERAL_KEYS."""
    values = [row[0] for row in frame.select(column).distinct().limit(LITERAL_KEYS + 1).collect()]
    return None if len(values) > LITERAL_KEYS else [value for value in values if value is not None]


def keyed(spark, frame, column, keys):
    """`frame` with only the rows whose `column` is one of `keys` (a list of longs): a
    literal list, which Parquet statistics prune, up to LITERAL_KEYS; a broadcast semi-join
    past it."""
    if len(keys) <= LITERAL_KEYS:
        return frame.where(F.col(column).isin(keys))
    values = spark.createDataFrame([(key,) for key in keys], f"{column} long")
    return frame.join(F.broadcast(values), column, "left_semi")


def only_keys(frame, column, keys):
    """`frame` with only the rows whose `column` is one of `keys` (all rows when None)."""
    return frame if frame is None or keys is None else frame.where(F.col(column).isin(keys))


def surveyed(spark, table, existing, deleted, newest, candidates_above, floors, bronze, phases, prune=False):
    """(candidates, survey) for `table` above its floor; a new TRUNCATE marker among the
    new changes raises the floor, and the survey is made again above it (over every row:
    those below the new floor go). `prune`: the survey reads only the candidates' keys of
    silver, which is enough while no row below the floor is left (see run)."""
    changes = change_facts(bronze, newest) if newest is not None else None
    candidates = candidates_above(floors[bronze])
    keys = distinct_keys(candidates, KEYS[table]) if prune else None
    survey = Survey(table, only_keys(existing, KEYS[table], keys), only_keys(deleted, KEYS[table], keys), changes,
                    candidates, floors[bronze], phases)
    if floors.raise_to(bronze, survey.marker):
        candidates.unpersist()
        candidates = candidates_above(floors[bronze])
        survey = Survey(table, existing, deleted, changes, candidates, floors[bronze], phases)
    return candidates, survey


def write_changes(lake, after, upto, surveys, full):
    """silver/_state/changes/<upto>.json: what gold has to recompute after this run."""
    status = surveys.get(STATUS)
    orders = sorted(key for key in status.orders if key is not None) if status is not None else []
    dates = sorted(date.isoformat() for date in status.dates if date is not None) if status is not None else []
    everything = (full or len(orders) > CHANGED_ORDERS_LIMIT
                  or any(survey.marker is not None for survey in surveys.values()))
    write_json(lake, f"{CHANGES}/{upto:020d}.json", {
        "previous_batch": after, "bronze_batch": upto, "full": everything,
        "orders": None if everything else orders, "dates": None if everything else dates})


def run(spark, lake, full=False, phases=NONE, status_written=None):
    """Consumes the new bronze batches; returns a summary dict. `status_written`, when
    given, is called with order_status's candidates (order_id, history_id, `_live`, ...)
    just before they are written."""
    started = time.monotonic()
    lake.remove_temporaries(STATE)
    if full:
        for path in (ORDERS, STATUS, STATE):
            lake.delete(path)
    bookmark = lake.read_json(BOOKMARK)
    after, upto = covered_batch(bookmark), bronze_batch(lake)
    if upto <= after:
        return {"bronze_batch": after, "batches": 0, "silver_ms": 0}
    # Trusted again only once this run's bookmark is written.
    memory, keep = MEMORY.tables_for(bookmark), MEMORY.enabled
    MEMORY.forget()
    # The floors this run starts from were applied (their rows removed) once a bookmark
    # recorded them; until then, surveys look at every row (a crash between raising a
    # floor and rewriting silver). In memory, a scan is cheap and the keys cost a job.
    applied = (bookmark or {}).get("floors", {})

    with phases("silver.list"):
        files = new_files(lake, SOURCE_COLUMNS, after, upto)
    with phases("silver.read"):
        newest = {table: newest_changes(table, read_changes(spark, table, found))
                  for table, found in files.items() if found}
    cached = list(newest.values())  # released at the end
    floors = Floors(lake)
    deleted = {table: kept_or_read(spark, lake, DELETED[table], memory) for table in (ORDERS, STATUS)}
    surveys = {}

    current_orders = kept_or_read(spark, lake, ORDERS, memory)
    changed_orders = None  # the order ids whose change applied
    if "orders" in newest:
        def orders_above(floor):
            return above(newest["orders"], floor).selectExpr(*COLUMNS[ORDERS][:-1], "_live", "to_date(created_at) AS date")
        with phases("silver.orders"):
            candidates, survey = surveyed(spark, ORDERS, current_orders, deleted[ORDERS], newest["orders"],
                                          orders_above, floors, "orders", phases,
                                          prune=not keep and floors["orders"] == applied.get("orders", 0))
            whole = upsert(spark, lake, ORDERS, current_orders, candidates, survey, floors["orders"], keep, phases)
        surveys[ORDERS] = survey
        changed_orders = without_blocked(spark, ORDERS, candidates, survey).selectExpr("id AS order_id")
        current_orders = whole if keep else read_silver(spark, lake, ORDERS)
    orders_truncated = ORDERS in surveys and surveys[ORDERS].marker is not None

    current_status = kept_or_read(spark, lake, STATUS, memory)
    history = newest.get("ordershistory")
    if history is not None or (current_status is not None and changed_orders is not None):
        if current_orders is None:  # history whose orders are not captured (yet): kept, joined later
            current_orders = spark.createDataFrame([], ORDERS_SCHEMA)
        order_columns = current_orders.selectExpr("id AS order_id", "branch", "customer", "amount")
        columns = ["history_id", "order_id", "status", "changed_at", "_txid", "_seq", "_live"]
        prune = not keep and floors["ordershistory"] == applied.get("ordershistory", 0) and not orders_truncated
        changed_ids = distinct_keys(changed_orders, "order_id") if prune and changed_orders is not None else None
        if prune and (changed_orders is None or changed_ids is not None):
            # Only the orders the candidates belong to: those of the new changes and the
            # changed orders whose status rows take their new columns.
            needed = distinct_keys(history, "order_id") if history is not None else []
            if needed is not None and len(needed) + len(changed_ids or []) <= LITERAL_KEYS:
                order_columns = only_keys(order_columns, "order_id", sorted(set(needed) | set(changed_ids or [])))

        def status_above(floor):
            incoming = above(history, floor).select(*columns) if history is not None else None
            if current_status is None or changed_orders is None:
                rows = incoming
            else:
                # Status rows of changed orders take the order's new columns (or lose
                # them when the order is gone); after a truncate of orders, every row.
                refreshed = current_status if orders_truncated else only_keys(
                    current_status, "order_id", changed_ids).join(F.broadcast(changed_orders), "order_id", "left_semi")
                refreshed = refreshed.where(f"_seq > {int(floor)}").selectExpr(*columns[:-1], "true AS _live")
                if incoming is not None:
                    # Unless a new change of the key is as new (the same change, re-run)
                    # or newer; an older one is blocked by the survey, and this row stays.
                    refreshed = refreshed.join(F.broadcast(incoming.selectExpr("history_id AS _key", "_seq AS _new")),
                                               F.expr("history_id = _key AND _new >= _seq"), "left_anti")
                rows = refreshed if incoming is None else incoming.unionByName(refreshed)
            # Cached: the survey fills it, the rewrite reads it.
            return rows.join(order_columns, "order_id", "left").selectExpr("*", "to_date(changed_at) AS date").cache()

        with phases("silver.status"):
            candidates, survey = surveyed(spark, STATUS, current_status, deleted[STATUS], history,
                                          status_above, floors, "ordershistory", phases, prune=prune)
            if status_written is not None:
                # Before the rewrite: the candidates' plan may read the files it replaces.
                status_written(candidates)
            current_status = upsert(spark, lake, STATUS, current_status, candidates, survey,
                                    floors["ordershistory"], keep, phases)
        candidates.unpersist()
        surveys[STATUS] = survey

    for table, bronze in ((ORDERS, "orders"), (STATUS, "ordershistory")):
        survey = surveys.get(table)
        if survey is not None and (survey.deleted or survey.marker is not None):
            with phases("silver.tombstones"):
                if record_tombstones(lake, table, deleted[table], tombstones_of(bronze, newest[bronze]),
                                     survey.deleted, floors[bronze], survey.marker is not None, phases):
                    deleted[table] = read_silver(spark, lake, DELETED[table])

    for frame in cached:
        frame.unpersist()
    write_changes(lake, after, upto, surveys, full)
    version = uuid.uuid4().hex
    write_json(lake, BOOKMARK, {"bronze_batch": upto, "previous_batch": after, "version": version,
                                "floors": floors.seqs})
    if keep:
        MEMORY.version = version
        MEMORY.tables = {ORDERS: current_orders, STATUS: current_status, **{DELETED[t]: deleted[t] for t in deleted}}
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
