"""Silver's light path: small steady runs without Spark.

A steady run applies a few dozen changes, yet each Spark job it needs (two surveys, two
rewrites, two checkpoints) costs a few hundred milliseconds whatever its size, and a cold
run (the `submit` runner) first starts Spark. So a run that only inserts and updates (no
delete, no TRUNCATE marker, no `_overflow`, no record turned INTRANSIT by an update:
nothing that writes a tombstone or a floor) is applied here, with silver held in this
process (`Memory`, a dict per table: kept between the warm driver's runs, read from the
lake's files once otherwise, and only while silver has at most MAX_ROWS rows): the new
bronze files read with pyarrow, the rules of silver.py applied to the rows, the changed
partitions written with pyarrow (`part-*.parquet`, the columns and Parquet types Spark
writes, with Spark's version in the footer so Spark reads them as its own). Everything
else, and every run of a lake that is not a local directory, takes the Spark path; `run`
returns None then, before writing anything.

The semantics are silver.py's (its docstring): per key the highest-`_seq` change among
the new ones applies only if its `_seq` is at least that of the row silver holds and of
the key's tombstone, and above the floor; order_status rows take their order's branch,
customer and amount; the change record for gold and the bookmark are written as there.
Memory is trusted only while silver's bookmark carries the version written with it
(any other writer changes it), else loaded again from the lake.
"""
import ctypes
import datetime
import decimal
import os
import shutil
import time
import uuid

from lakefs import write_json
from phases import NONE
import silver

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:  # only the Spark path then
    pa = None

# Past this many rows in silver, memory costs more than the Spark path's checkpoints.
MAX_ROWS = 1_000_000
# Past this many new changes in one run, the Spark path (a catch-up run).
MAX_CHANGES = 20_000
UTC = datetime.timezone.utc
# Spark's own marker in a Parquet footer: its readers then take dates and timestamps as
# written (proleptic Gregorian), as in the files Spark writes.
SPARK_FOOTER = {b"org.apache.spark.version": b"4.0.1"}


def schema(table):
    """The Parquet schema of a silver table's files (the partition column aside)."""
    kinds = {"long": pa.int64(), "string": pa.string(), "decimal(12,2)": pa.decimal128(12, 2),
             "timestamp": pa.timestamp("us", tz="UTC")}
    fields = [column.split() for column in silver.SCHEMAS[table].split(", ")]
    return pa.schema([(name, kinds[kind]) for name, kind in fields if name != "date"], metadata=SPARK_FOOTER)


def local_root(lake):
    """The lake's directory when it is a local one, else None."""
    return lake.root[len("file://"):] if lake.root.startswith("file:///") else None


def as_utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_date(value):
    return None if value is None else value.date()


def partition_date(name):
    """The date of a partition directory `date=...` (None for Hive's default partition)."""
    value = name[len("date="):]
    return None if value == silver.HIDDEN_DATE else datetime.date.fromisoformat(value)


def visible_parquet(directory):
    return sorted(name for name in os.listdir(directory)
                  if name.endswith(".parquet") and not name.startswith((".", "_")))


def read_rows(path, columns):
    """The rows of one Parquet file as tuples of `columns` (timestamps in UTC)."""
    table = pq.ParquetFile(path, coerce_int96_timestamp_unit="us").read()
    arrays = []
    for name in columns:
        if name not in table.column_names:
            arrays.append([None] * table.num_rows)
            continue
        column = table.column(name)
        if pa.types.is_timestamp(column.type):
            arrays.append([as_utc(value) for value in column.to_pylist()])
        else:
            arrays.append(column.to_pylist())
    return list(zip(*arrays))


class Table:
    """One silver table (or tombstone set) in memory: rows by key, keys by partition."""

    def __init__(self):
        self.rows, self.dates = {}, {}

    def put(self, key, row, date):
        old = self.rows.get(key)
        if old is not None:
            self.dates[old[1]].discard(key)
        self.rows[key] = (row, date)
        self.dates.setdefault(date, set()).add(key)

    def remove(self, key):
        old = self.rows.pop(key, None)
        if old is not None:
            self.dates[old[1]].discard(key)

    def partition(self, date):
        return [self.rows[key][0] for key in sorted(self.dates.get(date, ()))]


def load(root, table):
    """A silver table from the lake's files."""
    loaded = Table()
    directory = f"{root}/{table}"
    if not os.path.isdir(directory):
        return loaded
    tombstone_keys = {path: silver.KEYS[of] for of, path in silver.DELETED.items()}
    columns = silver.COLUMNS[table][:-1] if table in silver.COLUMNS else [tombstone_keys[table], "_seq"]
    for name in sorted(os.listdir(directory)):
        if not name.startswith("date=") or not os.path.isdir(f"{directory}/{name}"):
            continue
        date = partition_date(name)
        for file in visible_parquet(f"{directory}/{name}"):
            for row in read_rows(f"{directory}/{name}/{file}", columns):
                if table in silver.COLUMNS:
                    loaded.put(row[0], row, date)
                else:  # a tombstone: the highest `_seq` of the key counts
                    kept = loaded.rows.get(row[0])
                    if kept is None or (row[1] or 0) > (kept[0][1] or 0):
                        loaded.rows[row[0]] = (row, date)
    return loaded



class Memory:
    """Silver as this process last wrote it on the light path, trusted only while silver's
    bookmark carries `version`."""

    def __init__(self):
        self.enabled = False  # set by the driver; off, every run takes the Spark path
        self.version, self.tables, self.by_order = None, {}, {}
        self.too_large = False  # silver outgrew MAX_ROWS: the Spark path from then on

    def valid(self, bookmark):
        return self.version is not None and bookmark is not None and bookmark.get("version") == self.version

    def forget(self):
        self.version, self.tables, self.by_order = None, {}, {}

    def load(self, root):
        """Reads silver from the lake; returns False (and reads nothing) when it holds
        more than MAX_ROWS rows, by its files' footers."""
        self.forget()
        rows = 0
        for table in (silver.ORDERS, silver.STATUS, *silver.DELETED.values()):
            directory = f"{root}/{table}"
            for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
                if name.startswith("date=") and os.path.isdir(f"{directory}/{name}"):
                    rows += sum(pq.read_metadata(f"{directory}/{name}/{file}").num_rows
                                for file in visible_parquet(f"{directory}/{name}"))
        if rows > MAX_ROWS:
            self.too_large = True
            return False
        self.tables = {table: load(root, table)
                       for table in (silver.ORDERS, silver.STATUS, *silver.DELETED.values())}
        for history_id, (row, _) in self.tables[silver.STATUS].rows.items():
            self.by_order.setdefault(row[1], set()).add(history_id)
        return True

    def size(self):
        return sum(len(table.rows) for table in self.tables.values())


MEMORY = Memory()


class Skip(Exception):
    """The run is not one for the light path (nothing was written)."""


def read_changes(table, uris):
    """Every change in the bronze files `uris`, as dicts of the source and capture columns."""
    names = [name for name, _ in silver.SOURCE_COLUMNS[table]] + ["_op", "_txid", "_seq", "_changed_at", "_overflow"]
    changes = []
    for uri in uris:
        # Commit records give file:///path, Hadoop's listings file:/path.
        path = uri[len("file://"):] if uri.startswith("file:///") else uri[len("file:"):] if uri.startswith("file:/") else None
        if path is None:
            raise Skip()
        try:
            rows = read_rows(path, names)
        except (ValueError, OverflowError):  # a value Python cannot hold (a timestamp past year 9999)
            raise Skip()
        for values in rows:
            change = dict(zip(names, values))
            if change["_overflow"] is not None:
                raise Skip()  # its values are cast as Spark casts them, on the Spark path
            changes.append(change)
            if len(changes) > MAX_CHANGES:
                raise Skip()
    return changes


def newest(changes):
    """Per key its highest-`_seq` change (silver.newest_changes)."""
    latest = {}
    for change in changes:
        kept = latest.get(change["id"])
        if kept is None or change["_seq"] > kept["_seq"]:
            latest[change["id"]] = change
    return latest


def check_types(changes, table):
    """Raises Skip unless the values have the types silver's columns take."""
    kinds = dict(silver.SOURCE_COLUMNS[table])
    for change in changes:
        for name, kind in kinds.items():
            value = change[name]
            if value is None:
                continue
            expected = {"long": int, "string": str, "timestamp": datetime.datetime}.get(kind)
            if kind == "decimal(12,2)":
                if not isinstance(value, decimal.Decimal) or value.as_tuple().exponent < -2 or abs(value) >= 10 ** 10:
                    raise Skip()
            elif not isinstance(value, expected) or isinstance(value, bool):
                raise Skip()
        if not isinstance(change["_seq"], int) or change["id"] is None:
            raise Skip()


class Survey:
    """What silver.Survey finds, for the light path's candidates: the partitions to
    rewrite, the blocked candidates, and for order_status the candidates' orders."""

    def __init__(self, table, existing, deleted, candidates):
        """`candidates`: {key: (row, live, date)}."""
        self.marker, self.deleted, self.orders, self.blocked = None, set(), set(), set()
        dates, seq_at = set(), silver.COLUMNS[table].index("_seq")
        for key, (row, live, date) in candidates.items():
            seq = row[seq_at]
            if live:
                dates.add(date)
            if table == silver.STATUS:
                self.orders.add(row[1])
            held = existing.rows.get(key)
            tombstone = deleted.rows.get(key)
            if (held is not None and (held[0][seq_at] or 0) > seq) or (tombstone is not None and (tombstone[0][1] or 0) > seq):
                self.blocked.add(key)
            elif held is not None:
                dates.add(held[1])
        self.dates = sorted(dates, key=lambda date: (date is None, date))


def write_partition(root, table, date, rows):
    """Replaces the partition `date` of `table` with `rows` (removed when there are none)
    in one step, for readers and for a crash: the new file is written into a hidden
    directory beside silver's state, which is then exchanged with the partition; the old
    files end up in the hidden directory and are removed. A run that dies leaves at most
    a hidden directory (`lakefs.TEMPORARY`), which the next run removes."""
    directory = f"{root}/{silver.partition_path(table, date)}"
    staging = f"{root}/{silver.STATE}/.partition.{uuid.uuid4().hex}.tmp"
    os.makedirs(staging)
    if rows:
        columns = list(zip(*rows))
        table_schema = schema(table)
        frame = pa.Table.from_arrays([pa.array(list(values), type=field.type) for values, field in zip(columns, table_schema)],
                                     schema=table_schema)
        name = f"part-00000-{uuid.uuid4()}.c000.snappy.parquet"
        pq.write_table(frame, f"{staging}/{name}", compression="snappy", store_decimal_as_integer=True)
    if os.path.isdir(directory):
        exchange(staging, directory)
        shutil.rmtree(staging)
        if not rows:
            os.rmdir(directory)
    elif rows:
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        os.rename(staging, directory)
    else:
        os.rmdir(staging)


_LIBC = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(first, second):
    """Swaps two existing paths atomically (Linux renameat2 with RENAME_EXCHANGE)."""
    if _LIBC.renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), second)


def upsert(root, table, existing, candidates, survey, phases):
    """silver.upsert on memory: rewrites the survey's partitions with the unblocked
    candidates applied; returns the unblocked candidates."""
    applied = {key: value for key, value in candidates.items() if key not in survey.blocked}
    for key, (row, live, date) in applied.items():
        if live:
            existing.put(key, row, date)
        else:
            existing.remove(key)
    with phases(silver.phase(table) + ".write"):
        for date in survey.dates:
            write_partition(root, table, date, existing.partition(date))
    return applied


def run(spark, lake, full=False, phases=NONE):
    """Consumes the new bronze batches on the light path; returns silver.run's summary,
    or None when the run is not one for it (nothing written then)."""
    started = time.monotonic()
    root = local_root(lake)
    if pa is None or full or root is None or not MEMORY.enabled or MEMORY.too_large:
        return None
    bookmark = lake.read_json(silver.BOOKMARK)
    after, upto = silver.covered_batch(bookmark), silver.bronze_batch(lake)
    if upto <= after:
        return None
    floors = silver.Floors(lake)
    if floors.seqs != (bookmark or {}).get("floors", {}):
        return None  # a floor not yet applied: the Spark path surveys every row
    try:
        with phases("silver.list"):
            files = silver.new_files(lake, silver.SOURCE_COLUMNS, after, upto)
        with phases("silver.read"):
            changes = {table: read_changes(table, found) for table, found in files.items() if found}
            for table, found in changes.items():
                check_types(found, table)
                if any(change["_op"] not in ("I", "U", "R") for change in found):
                    raise Skip()  # deletes and markers write tombstones and floors
            latest = {table: newest(found) for table, found in changes.items()}
            if any(change["_op"] == "U" and change["status"] == "INTRANSIT"
                   for change in latest.get("ordershistory", {}).values()):
                raise Skip()  # an update that drops a record writes its tombstone
    except Skip:
        return None
    lake.remove_temporaries(silver.STATE)
    if not MEMORY.valid(bookmark):
        with phases("silver.load"):
            if not MEMORY.load(root):
                return None
    if MEMORY.size() > MAX_ROWS:
        MEMORY.forget()
        MEMORY.too_large = True
        return None
    silver.MEMORY.forget()  # the Spark path's memory no longer matches the lake after this run
    MEMORY.version = None  # trusted again only once this run's bookmark is written
    orders, status = MEMORY.tables[silver.ORDERS], MEMORY.tables[silver.STATUS]
    surveys = {}

    changed_orders = None
    if "orders" in latest:
        floor = floors["orders"]
        candidates = {}
        for key, change in latest["orders"].items():
            if change["_seq"] <= floor:
                continue
            row = tuple(change[name] for name, _ in silver.SOURCE_COLUMNS["orders"]) + (change["_txid"], change["_seq"])
            candidates[key] = (row, True, utc_date(change["created_at"]))
        with phases("silver.orders"):
            survey = Survey(silver.ORDERS, orders, MEMORY.tables[silver.DELETED[silver.ORDERS]], candidates)
            changed_orders = set(upsert(root, silver.ORDERS, orders, candidates, survey, phases))
        surveys[silver.ORDERS] = survey

    history = latest.get("ordershistory")
    if history is not None or (status.rows and changed_orders is not None):
        floor = floors["ordershistory"]
        incoming = {}
        for key, change in (history or {}).items():
            if change["_seq"] <= floor:
                continue
            incoming[key] = ((key, change["order_id"], change["status"], change["changed_at"], change["_txid"],
                              change["_seq"]), change["status"] != "INTRANSIT")
        rows = dict(incoming)
        for order_id in sorted(changed_orders or (), key=lambda key: (key is None, key)):
            for history_id in MEMORY.by_order.get(order_id, ()):
                held = status.rows[history_id][0]
                if held[5] <= floor or (history_id in incoming and incoming[history_id][0][5] >= held[5]):
                    continue
                rows[history_id] = (held[:6], True)
        candidates = {}
        for key, (row, live) in rows.items():
            order = orders.rows.get(row[1])
            columns = order[0][1:4] if order is not None else (None, None, None)
            candidates[key] = (row + columns, live, utc_date(row[3]))
        with phases("silver.status"):
            survey = Survey(silver.STATUS, status, MEMORY.tables[silver.DELETED[silver.STATUS]], candidates)
            for key, (row, live, _) in candidates.items():
                if key not in survey.blocked:
                    held = status.rows.get(key)
                    if held is not None:
                        MEMORY.by_order.get(held[0][1], set()).discard(key)
                    if live:
                        MEMORY.by_order.setdefault(row[1], set()).add(key)
            upsert(root, silver.STATUS, status, candidates, survey, phases)
        surveys[silver.STATUS] = survey

    silver.write_changes(lake, after, upto, surveys, False)
    version = uuid.uuid4().hex
    write_json(lake, silver.BOOKMARK, {"bronze_batch": upto, "previous_batch": after, "version": version,
                                       "floors": floors.seqs})
    MEMORY.version = version
    return {"bronze_batch": upto, "batches": upto - after, "silver_ms": int((time.monotonic() - started) * 1000),
            "silver_light": True}


def per_order_days(lake, orders):
    """gold.by_day(gold.per_order(...)) of the status rows of `orders`, from memory, or
    None when memory is not silver's current state."""
    if not MEMORY.valid(lake.read_json(silver.BOOKMARK)):
        return None
    status = MEMORY.tables[silver.STATUS]
    pivot = {}
    for order_id in orders:
        for history_id in MEMORY.by_order.get(order_id, ()):
            _, order, state, changed_at, _, _, branch, *_ = status.rows[history_id][0]
            if branch is None or changed_at is None:
                continue
            entry = pivot.setdefault((order, branch), [None, None])
            slot = 0 if state == "NEW" else 1 if state == "DELIVERED" else None
            if slot is not None and (entry[slot] is None or changed_at < entry[slot]):
                entry[slot] = changed_at
    days = {}
    for (order, branch), (ordered, delivered) in pivot.items():
        if ordered is None:
            continue
        micros = None if delivered is None else (delivered - ordered) // datetime.timedelta(microseconds=1)
        day = ordered.date().isoformat()
        days.setdefault(day, []).append([order, branch, day, None if delivered is None else delivered.date().isoformat(),
                                         micros])
    return days
