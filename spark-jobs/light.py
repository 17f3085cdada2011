"""Silver's light path: small steady runs without Spark.

A steady run applies a few dozen changes, yet each Spark job it needs (two surveys, two
rewrites, two checkpoints) costs a few hundred milliseconds whatever its size, and a cold
run (the `submit` runner) first starts Spark. So a run that only inserts and updates (no
delete, no TRUNCATE marker, no `_overflow`, no record turned INTRANSIT by an update:
nothing that writes a tombstone or a floor) is applied here: the new bronze files read
with pyarrow, the rules of silver.py applied to the rows, and the changed files written
with pyarrow (the columns and Parquet types Spark writes, with Spark's version in the
footer so Spark reads them as its own). Everything else, and every run of a lake that is
not a local directory, takes the Spark path; `run` returns None then, before writing
anything.

A run reads only the files that can hold the keys it changes, so its cost (time and
memory) does not grow with silver:
  - Within a date partition the light path writes one file per key range (BUCKET keys:
    `part-l<BUCKET>_<key // BUCKET>-<uuid>...parquet`), so a key's row is in the file of
    its range in one of the partitions listing such a file (usually one). Other files
    (Spark's, or of another BUCKET) are found by their footers' key range, and their
    partition is rewritten as key-range files the first time a run reads it.
  - order_status rows by order (to give them their order's new columns, and for gold):
    `silver/_state/light/by_order/b<order_id // BUCKET>.parquet`, pairs (order_id,
    history_id), a superset of silver's (pairs are added before the rows are written,
    never removed; a reader checks the row's order_id). Trusted while
    `silver/_state/light/index.json` carries the version of silver's bookmark (written
    just before it). A Spark-path run of this driver adds the pairs of the rows it wrote
    and carries the index over (spark_run); any other writer (`--full`, a driver without
    the light path, a crash between the two) changes that version, and the next light
    run rebuilds the pairs from order_status's files (once: it reads two columns of all
    of them).
  - Tombstones are found by their files' footer key ranges.
A partition is replaced in one step (write_partition): the files it keeps are linked
into a staged directory beside the new ones, which is exchanged with the partition.

The semantics are silver.py's (its docstring): per key the highest-`_seq` change among
the new ones applies only if its `_seq` is at least that of the row silver holds and of
the key's tombstone, and above the floor; order_status rows take their order's branch,
customer and amount; the change record for gold and the bookmark are written as there.
"""
import bisect
import ctypes
import datetime
import decimal
import json
import os
import re
import shutil
import time
import uuid

from lakefs import write_json
from phases import NONE
import silver

try:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
except ImportError:  # only the Spark path then
    pa = None

# Past this many new changes in one run, the Spark path (a catch-up run).
MAX_CHANGES = 20_000
# Keys per file within a partition: a run rewrites the files of the key ranges it changes.
BUCKET = int(os.environ.get("MEDALLION_LIGHT_BUCKET", "32768"))
LIGHT_FILE = re.compile(r"^part-l(\d+)_(-?\d+)-")
INDEX = silver.STATE + "/light"
INDEX_FILE = INDEX + "/index.json"
BY_ORDER = INDEX + "/by_order"
UTC = datetime.timezone.utc
# Spark's own marker in a Parquet footer: its readers then take dates and timestamps as
# written (proleptic Gregorian), as in the files Spark writes.
SPARK_FOOTER = {b"org.apache.spark.version": b"4.0.1"}
TOMBSTONE_KEYS = {path: silver.KEYS[of] for of, path in silver.DELETED.items()}


def schema(table):
    """The Parquet schema of a silver table's files (the partition column aside)."""
    kinds = {"long": pa.int64(), "string": pa.string(), "decimal(12,2)": pa.decimal128(12, 2),
             "timestamp": pa.timestamp("us", tz="UTC")}
    fields = [column.split() for column in silver.SCHEMAS[table].split(", ")]
    return pa.schema([(name, kinds[kind]) for name, kind in fields if name != "date"], metadata=SPARK_FOOTER)


def key_of(table):
    return silver.KEYS.get(table) or TOMBSTONE_KEYS[table]


def bucket(key):
    return key // BUCKET


def light_range(name):
    """The key range (`bucket`) of a file the light path wrote with this BUCKET, else None."""
    match = LIGHT_FILE.match(name)
    return int(match.group(2)) if match is not None and int(match.group(1)) == BUCKET else None


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
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    return sorted(name for name in names if name.endswith(".parquet") and not name.startswith((".", "_")))


def python_values(column):
    """An Arrow column as Python values (timestamps in UTC)."""
    found = column.to_pylist()
    return [as_utc(value) for value in found] if pa.types.is_timestamp(column.type) else found


def read_rows(path, columns):
    """The rows of one Parquet file as tuples of `columns` (timestamps in UTC)."""
    table = pq.ParquetFile(path, coerce_int96_timestamp_unit="us").read()
    return list(zip(*(python_values(table.column(name)) if name in table.column_names else [None] * table.num_rows
                      for name in columns)))


def tuples(frame):
    """The rows of an Arrow table as tuples (timestamps in UTC)."""
    return list(zip(*(python_values(column) for column in frame.columns)))


def arrow(table, rows):
    """Rows (tuples in the table's column order) as an Arrow table of its schema."""
    target = schema(table)
    columns = list(zip(*rows)) if rows else [[] for _ in target]
    return pa.Table.from_arrays([pa.array(list(values), type=field.type) for values, field in zip(columns, target)],
                                schema=target)


class Files:
    """The Arrow tables of silver files read (or written) by the current run, by path;
    a file never changes once written (a rewrite has a new name)."""

    def __init__(self):
        self.tables, self.ranges, self.pairs = {}, {}, {}

    def read(self, path, table):
        frame = self.tables.get(path)
        if frame is None:
            frame = pq.ParquetFile(path, coerce_int96_timestamp_unit="us").read()
            target = schema(table)
            frame = pa.Table.from_arrays([frame.column(field.name).cast(field.type) if field.name in frame.column_names
                                          else pa.nulls(frame.num_rows, field.type) for field in target], schema=target)
            self.tables[path] = frame
        return frame

    def key_range(self, path, key):
        """(min, max) of `key` in the file by its footer (None: unknown), kept across runs."""
        stat = os.stat(path)
        cached = self.ranges.get(path)
        if cached is not None and cached[0] == (stat.st_size, stat.st_mtime_ns):
            return cached[1]
        metadata = pq.read_metadata(path)
        found = None
        if metadata.num_row_groups == 0:
            found = (0, -1)
        else:
            index = metadata.schema.names.index(key) if key in metadata.schema.names else None
            lows, highs = [], []
            for group in range(metadata.num_row_groups):
                statistics = metadata.row_group(group).column(index).statistics if index is not None else None
                if statistics is None or not statistics.has_min_max:
                    if metadata.row_group(group).num_rows == 0:
                        continue
                    lows = None
                    break
                lows.append(statistics.min)
                highs.append(statistics.max)
            if lows is not None:
                found = (min(lows), max(highs)) if lows else (0, -1)
        self.ranges[path] = ((stat.st_size, stat.st_mtime_ns), found)
        return found


class Memory:
    """What the light path keeps between runs: only the enabling switch and footers'
    key ranges (silver itself is read from its files)."""

    def __init__(self):
        self.enabled = False  # set by the driver; off, every run takes the Spark path
        self.files = Files()

    def forget(self):
        self.files = Files()


MEMORY = Memory()


class Catalog:
    """The files of one silver table (or tombstone set) by partition: the light path's,
    by key range, and the others (`loose`)."""

    def __init__(self, root, table):
        self.root, self.table, self.key = root, table, key_of(table)
        self.partitions, self.buckets, self.loose = {}, {}, []
        directory = f"{root}/{table}"
        try:
            names = sorted(os.listdir(directory))
        except FileNotFoundError:
            names = []
        for name in names:
            if not name.startswith("date=") or not os.path.isdir(f"{directory}/{name}"):
                continue
            date = partition_date(name)
            files = visible_parquet(f"{directory}/{name}")
            self.partitions[date] = files
            for file in files:
                found = light_range(file)
                if found is not None:
                    self.buckets.setdefault(found, []).append((date, file))
                else:
                    self.loose.append((date, file))

    def path(self, date, name):
        return f"{self.root}/{silver.partition_path(self.table, date)}/{name}"

    def is_light(self, name):
        return light_range(name) is not None

    def files_for(self, keys):
        """The (date, name) of the files that can hold any of `keys`."""
        found = set()
        for value in {bucket(key) for key in keys}:
            found.update(self.buckets.get(value, ()))
        if self.loose and keys:
            ordered = sorted(keys)
            for date, name in self.loose:
                span = MEMORY.files.key_range(self.path(date, name), self.key)
                if span is None or any_between(ordered, span[0], span[1]):
                    found.add((date, name))
        return found

    def rows(self, keys):
        """{key: (row, date, file name)} of the rows holding `keys`; for tombstones the
        highest `_seq` per key. Also returns the partitions of the loose files read."""
        keys = set(keys)
        held, touched = {}, set()
        if not keys:
            return held, touched
        wanted = pa.array(sorted(keys), type=pa.int64())
        for date, name in sorted(self.files_for(keys), key=lambda item: (item[0] is None, item[0], item[1])):
            if not self.is_light(name):
                touched.add(date)
            frame = MEMORY.files.read(self.path(date, name), self.table)
            for row in tuples(frame.filter(pc.is_in(frame.column(self.key), value_set=wanted))):
                kept = held.get(row[0])
                if kept is None or (self.table in TOMBSTONE_KEYS and (row[1] or 0) > (kept[0][1] or 0)):
                    held[row[0]] = (row, date, name)
        return held, touched


def any_between(ordered, low, high):
    """Whether the sorted list `ordered` has a value in [low, high]."""
    at = bisect.bisect_left(ordered, low)
    return at < len(ordered) and ordered[at] <= high


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

    def __init__(self, table, held, tombstones, candidates):
        """`candidates`: {key: (row, live, date)}; `held`, `tombstones`: Catalog.rows of
        the candidates' keys."""
        self.marker, self.deleted, self.orders, self.blocked = None, set(), set(), set()
        dates, seq_at = set(), silver.COLUMNS[table].index("_seq")
        for key, (row, live, date) in candidates.items():
            seq = row[seq_at]
            if live:
                dates.add(date)
            if table == silver.STATUS:
                self.orders.add(row[1])
            kept, tombstone = held.get(key), tombstones.get(key)
            if (kept is not None and (kept[0][seq_at] or 0) > seq) or (tombstone is not None and (tombstone[0][1] or 0) > seq):
                self.blocked.add(key)
            elif kept is not None:
                dates.add(kept[1])
        self.dates = sorted(dates, key=lambda date: (date is None, date))


def write_partition(root, table, date, rows, keep=()):
    """Replaces the partition `date` of `table` with `rows` (tuples or an Arrow table),
    one file per key range, and the files `keep` of the partition as they are (removed
    when there is nothing), in one step, for readers and for a crash: the new files are
    written, and the kept ones linked, into a hidden directory beside silver's state,
    which is then exchanged with the partition; the old files end up in the hidden
    directory and are removed. A run that dies leaves at most a hidden directory
    (`lakefs.TEMPORARY`), which the next run removes. Returns {new file name: rows}."""
    directory = f"{root}/{silver.partition_path(table, date)}"
    staging = f"{root}/{silver.STATE}/.partition.{uuid.uuid4().hex}.tmp"
    os.makedirs(staging)
    frame = rows if isinstance(rows, pa.Table) else arrow(table, rows)
    written = {}
    if frame.num_rows:
        key = key_of(table)
        frame = frame.sort_by(key)
        keys = frame.column(key).to_pylist()
        start = 0
        while start < len(keys):
            value = bucket(keys[start])
            end = bisect.bisect_left(keys, (value + 1) * BUCKET, start)
            name = f"part-l{BUCKET}_{value}-{uuid.uuid4()}.c000.snappy.parquet"
            written[name] = frame.slice(start, end - start)
            pq.write_table(written[name], f"{staging}/{name}", compression="snappy", store_decimal_as_integer=True)
            start = end
    for name in keep:
        os.link(f"{directory}/{name}", f"{staging}/{name}")
    if os.path.isdir(directory):
        exchange(staging, directory)
        shutil.rmtree(staging)
        if not written and not keep:
            os.rmdir(directory)
    elif written or keep:
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        os.rename(staging, directory)
    else:
        os.rmdir(staging)
    return written


_LIBC = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def exchange(first, second):
    """Swaps two existing paths atomically (Linux renameat2 with RENAME_EXCHANGE)."""
    if _LIBC.renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), second)


def upsert(root, catalog, candidates, held, survey, converting, phases):
    """silver.upsert on the files: rewrites, in the survey's partitions, the files of the
    key ranges whose rows the unblocked candidates change (the whole partition when it
    holds other files than the light path's, as for those in `converting`); returns the
    unblocked candidates."""
    table, key = catalog.table, catalog.key
    applied = {key: value for key, value in candidates.items() if key not in survey.blocked}
    removed, added = {}, {}
    for name, (row, live, date) in applied.items():
        kept = held.get(name)
        if live and kept is not None and kept[1] == date and kept[0] == row:
            continue  # the row as it is (a refresh that changes nothing, a re-run): its file stays
        if kept is not None:
            removed.setdefault(kept[1], set()).add(name)
        if live:
            added.setdefault(date, []).append(row)
    with phases(silver.phase(table) + ".write"):
        for date in sorted(set(survey.dates) | set(converting), key=lambda date: (date is None, date)):
            files = catalog.partitions.get(date, [])
            gone, new = removed.get(date, set()), added.get(date, [])
            whole = any(not catalog.is_light(name) for name in files)
            if whole:
                rewritten = files
            else:
                ranges = {bucket(value) for value in gone} | {bucket(row[0]) for row in new}
                rewritten = [name for name in files if light_range(name) in ranges]
            if not whole and not ranges:
                continue
            parts = [MEMORY.files.read(catalog.path(date, name), table) for name in rewritten]
            if gone:
                values = pa.array(sorted(gone), type=pa.int64())
                parts = [part.filter(pc.invert(pc.is_in(part.column(key), value_set=values))) for part in parts]
            frame = pa.concat_tables(parts + [arrow(table, new)])
            written = write_partition(root, table, date, frame, [name for name in files if name not in rewritten])
            for name, part in written.items():
                MEMORY.files.tables[catalog.path(date, name)] = part
    return applied


class ByOrder:
    """silver/_state/light/by_order: the history ids of each order's status rows (a superset)."""

    def __init__(self, root):
        self.root = root
        self.directory = f"{root}/{BY_ORDER}"

    def path(self, value):
        return f"{self.directory}/b{value}.parquet"

    def read(self, value):
        """The bucket's pairs as an Arrow table (None when it has none)."""
        path = self.path(value)
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return None
        # Replaced, never changed in place: a new file is a new inode.
        signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = MEMORY.files.pairs.get(path)
        if cached is None or cached[0] != signature:
            cached = (signature, pq.ParquetFile(path).read())
            MEMORY.files.pairs[path] = cached
        return cached[1]

    def history_ids(self, orders):
        """{order_id: history ids that may be its status rows'}."""
        found = {}
        wanted = pa.array(sorted(set(orders)), type=pa.int64())
        for value in sorted({bucket(order) for order in wanted.to_pylist()}):
            frame = self.read(value)
            if frame is None:
                continue
            frame = frame.filter(pc.is_in(frame.column("order_id"), value_set=wanted))
            for order, history in zip(frame.column("order_id").to_pylist(), frame.column("history_id").to_pylist()):
                found.setdefault(order, set()).add(history)
        return found

    def add(self, pairs):
        """Adds (order_id, history_id) pairs, each bucket file replaced atomically."""
        grouped = {}
        for order, history in pairs:
            if order is not None:
                grouped.setdefault(bucket(order), set()).add((order, history))
        os.makedirs(self.directory, exist_ok=True)
        for value, new in sorted(grouped.items()):
            frame = self.read(value)
            held = set()
            if frame is not None:
                wanted = pa.array(sorted({order for order, _ in new}), type=pa.int64())
                mine = frame.filter(pc.is_in(frame.column("order_id"), value_set=wanted))
                held = set(zip(mine.column("order_id").to_pylist(), mine.column("history_id").to_pylist()))
            missing = sorted(new - held)
            if missing:
                added = pa.table({"order_id": pa.array([p[0] for p in missing], type=pa.int64()),
                                  "history_id": pa.array([p[1] for p in missing], type=pa.int64())})
                frame = added if frame is None else pa.concat_tables([frame.cast(added.schema), added])
                self.write_frame(value, frame.sort_by([("order_id", "ascending"), ("history_id", "ascending")]))

    def write_frame(self, value, frame):
        temporary = f"{self.directory}/.b{value}.parquet.{uuid.uuid4().hex}.tmp"
        pq.write_table(frame, temporary, compression="snappy")
        os.replace(temporary, self.path(value))

    def rebuild(self, catalog):
        """The pairs of every status row, from order_status's files."""
        shutil.rmtree(self.directory, ignore_errors=True)
        os.makedirs(self.directory)
        parts = [pq.ParquetFile(catalog.path(date, name)).read(columns=["order_id", "history_id"])
                 for date, files in catalog.partitions.items() for name in files]
        for value, pairs in by_bucket(parts):
            self.write_frame(value, pairs)

    def add_tables(self, parts):
        """Adds the (order_id, history_id) pairs of Arrow tables: the status rows a Spark
        run wrote. Each bucket file is read, merged and replaced once."""
        os.makedirs(self.directory, exist_ok=True)
        for value, new in by_bucket(parts):
            frame = self.read(value)
            if frame is not None:
                merged = pa.concat_tables([frame.cast(new.schema), new]).group_by(["order_id", "history_id"]).aggregate([])
                if merged.num_rows == frame.num_rows:
                    continue  # it had them all
                new = merged.sort_by([("order_id", "ascending"), ("history_id", "ascending")])
            self.write_frame(value, new)


def by_bucket(parts):
    """(bucket, pairs sorted) of Arrow tables of order_id and history_id (NULL orders left
    out); each history id is in one part once (a silver row, or a Spark run's candidate)."""
    parts = [part.select(["order_id", "history_id"]) for part in parts if part.num_rows]
    if not parts:
        return
    pairs = pa.concat_tables([part.cast(pa.schema([("order_id", pa.int64()), ("history_id", pa.int64())]))
                              for part in parts]).filter(pc.field("order_id").is_valid())
    pairs = pairs.sort_by([("order_id", "ascending"), ("history_id", "ascending")])
    orders = pairs.column("order_id")
    # Sorted by order id, each bucket is one run of rows: find where each starts.
    start, total = 0, pairs.num_rows
    while start < total:
        value = bucket(orders[start].as_py())
        low, end, limit = start, total, (value + 1) * BUCKET
        while low < end:  # the first row of a later bucket
            middle = (low + end) // 2
            if orders[middle].as_py() < limit:
                low = middle + 1
            else:
                end = middle
        yield value, pairs.slice(start, end - start)
        start = end


def index_valid(root, bookmark, carried=True):
    """Whether silver/_state/light was last brought up to silver's current state (by a
    light run, or also carried over a Spark-path run when `carried`)."""
    try:
        with open(f"{root}/{INDEX_FILE}", encoding="utf-8") as handle:
            index = json.load(handle)
    except (FileNotFoundError, ValueError):
        return False
    return (index.get("bucket") == BUCKET and index.get("version") == (bookmark or {}).get("version")
            and (carried or not index.get("carried")))


def order_columns(root, orders):
    """{order id: (branch, customer, amount)} of the orders silver holds among `orders`."""
    held, _ = Catalog(root, silver.ORDERS).rows(orders)
    return {key: row[1:4] for key, (row, _, _) in held.items()}


def status_rows(root, orders, catalog=None):
    """{history_id: (row, date, file)} of the status rows of `orders`, and the partitions
    of loose files read."""
    catalog = catalog or Catalog(root, silver.STATUS)
    ids = ByOrder(root).history_ids(orders)
    held, touched = catalog.rows(set().union(*ids.values()) if ids else set())
    wanted = set(orders)
    return {key: value for key, value in held.items() if value[0][1] in wanted}, touched


def run(spark, lake, full=False, phases=NONE):
    """Consumes the new bronze batches on the light path; returns silver.run's summary,
    or None when the run is not one for it (nothing written then)."""
    started = time.monotonic()
    root = local_root(lake)
    if pa is None or full or root is None or not MEMORY.enabled:
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
    lake.remove_temporaries(BY_ORDER)
    silver.MEMORY.forget()  # the Spark path's memory no longer matches the lake after this run
    files_kept = MEMORY.files
    MEMORY.files = Files()  # this run's reads; footers' key ranges carried over
    MEMORY.files.ranges = files_kept.ranges
    by_order = ByOrder(root)
    if not index_valid(root, bookmark):
        with phases("silver.index"):
            by_order.rebuild(Catalog(root, silver.STATUS))
            write_json(lake, INDEX_FILE, {"bucket": BUCKET, "version": (bookmark or {}).get("version")})
    surveys = {}

    changed_orders = None
    new_orders = {}  # the rows this run gives orders (None: removed)
    if "orders" in latest:
        floor = floors["orders"]
        candidates = {}
        for key, change in latest["orders"].items():
            if change["_seq"] <= floor:
                continue
            row = tuple(change[name] for name, _ in silver.SOURCE_COLUMNS["orders"]) + (change["_txid"], change["_seq"])
            candidates[key] = (row, True, utc_date(change["created_at"]))
        with phases("silver.orders"):
            catalog = Catalog(root, silver.ORDERS)
            held, touched = catalog.rows(candidates)
            tombstones, _ = Catalog(root, silver.DELETED[silver.ORDERS]).rows(candidates)
            survey = Survey(silver.ORDERS, held, tombstones, candidates)
            applied = upsert(root, catalog, candidates, held, survey, touched, phases)
            changed_orders = set(applied)
            new_orders = {key: row if live else None for key, (row, live, _) in applied.items()}
        surveys[silver.ORDERS] = survey

    history = latest.get("ordershistory")
    if history is not None or changed_orders:
        floor = floors["ordershistory"]
        catalog = Catalog(root, silver.STATUS)
        incoming = {}
        for key, change in (history or {}).items():
            if change["_seq"] <= floor:
                continue
            incoming[key] = ((key, change["order_id"], change["status"], change["changed_at"], change["_txid"],
                              change["_seq"]), change["status"] != "INTRANSIT")
        with phases("silver.status"):
            refreshed, touched = status_rows(root, changed_orders or (), catalog)
            rows = dict(incoming)
            for history_id, (held_row, _, _) in refreshed.items():
                if held_row[5] <= floor or (history_id in incoming and incoming[history_id][0][5] >= held_row[5]):
                    continue
                rows[history_id] = (held_row[:6], True)
            needed = {row[1] for row, _ in rows.values() if row[1] is not None}
            columns = order_columns(root, needed - set(new_orders))
            columns.update({key: row[1:4] for key, row in new_orders.items() if row is not None and key in needed})
            candidates = {}
            for key, (row, live) in rows.items():
                candidates[key] = (row + tuple(columns.get(row[1], (None, None, None))), live, utc_date(row[3]))
            held, more = catalog.rows(set(candidates) - set(refreshed))
            held.update({key: value for key, value in refreshed.items() if key in candidates})
            tombstones, _ = Catalog(root, silver.DELETED[silver.STATUS]).rows(candidates)
            survey = Survey(silver.STATUS, held, tombstones, candidates)
            # The pairs first: they must cover every row written.
            by_order.add((row[1], key) for key, (row, live, _) in candidates.items() if live and key not in survey.blocked)
            upsert(root, catalog, candidates, held, survey, touched | more, phases)
        surveys[silver.STATUS] = survey

    silver.write_changes(lake, after, upto, surveys, False)
    version = uuid.uuid4().hex
    write_json(lake, INDEX_FILE, {"bucket": BUCKET, "version": version})
    write_json(lake, silver.BOOKMARK, {"bronze_batch": upto, "previous_batch": after, "version": version,
                                       "floors": floors.seqs})
    return {"bronze_batch": upto, "batches": upto - after, "silver_ms": int((time.monotonic() - started) * 1000),
            "silver_light": True}


def spark_run(spark, lake, full=False, phases=NONE):
    """silver.run (the Spark path), carrying the order index over it: when the index was
    silver's state before the run, the pairs of the status rows the run writes are added
    after it and the index marked as its state, so the next light run need not rebuild it
    from all of order_status (time and memory that grow with silver). A crash before the
    mark leaves the index stale, and the next light run rebuilds it."""
    root = local_root(lake)
    carry = (pa is not None and not full and root is not None and MEMORY.enabled
             and index_valid(root, lake.read_json(silver.BOOKMARK)))
    written = []

    def status_written(candidates):
        with phases("silver.pairs"):
            written.append(candidates.where("_live").select("order_id", "history_id").toArrow())

    result = silver.run(spark, lake, full=full, phases=phases, status_written=status_written if carry else None)
    if carry and result.get("batches"):
        with phases("silver.pairs"):
            lake.remove_temporaries(BY_ORDER)
            ByOrder(root).add_tables(written)
            write_json(lake, INDEX_FILE, {"bucket": BUCKET, "version": lake.read_json(silver.BOOKMARK)["version"],
                                          "carried": True})
    return result


def per_order_days(lake, orders):
    """gold.by_day(gold.per_order(...)) of the status rows of `orders`, from silver's
    files through the light path's index, or None when the index is not silver's current
    state or silver's last run was on the Spark path (whose partitions, in Spark's files,
    can be large: gold reads them with Spark then)."""
    root = local_root(lake)
    if (pa is None or root is None or not MEMORY.enabled
            or not index_valid(root, lake.read_json(silver.BOOKMARK), carried=False)):
        return None
    rows, _ = status_rows(root, orders)
    pivot = {}
    for row, _, _ in rows.values():
        _, order, state, changed_at, _, _, branch, *_ = row
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
