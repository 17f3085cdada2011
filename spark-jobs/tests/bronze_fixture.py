"""Writes bronze batches from a JSON spec, laid out as the capture daemon writes them.

usage: bronze_fixture.py <lake-dir> <spec.json>
spec: {"batches": [{"batch": 1, "orders": [row...], "ordershistory": [row...]}],
       "bookmark": 2,            # optional: the last committed batch (default: the highest)
       "commit_records": false}  # optional: leave out bronze/_cdc/commits (default: written)
A row gives the source columns plus _op, _txid, _seq, _changed_at and optionally _overflow
(a JSON text); timestamps are ISO 8601 UTC strings; _seq defaults to the row's position.
A TRUNCATE marker is a row with _op "T" and no source columns. A table's files of a batch
carry the `_overflow` column (as the daemon's files do since it exists) only when one of
its rows names `_overflow`, so a fixture can mix files with and without it.
"""
import datetime
import decimal
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import contract  # noqa: E402

UTC = pa.timestamp("us", tz="UTC")
CAPTURE = [("_op", pa.string()), ("_txid", pa.int64()), ("_seq", pa.int64()), ("_changed_at", UTC)]
SCHEMAS = {
    "orders": [("id", pa.int64()), ("branch", pa.string()), ("customer", pa.string()),
               ("amount", pa.decimal128(12, 2)), ("status", pa.string()),
               ("created_at", UTC), ("updated_at", UTC)] + CAPTURE,
    "ordershistory": [("id", pa.int64()), ("order_id", pa.int64()), ("status", pa.string()),
                      ("changed_at", UTC)] + CAPTURE,
}


def value(name, kind, raw):
    if raw is None:
        return None
    if pa.types.is_timestamp(kind):
        return datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if pa.types.is_decimal(kind):
        return decimal.Decimal(str(raw))
    return raw


def write(lake, table, batch, rows):
    """Writes the table's files of a batch; returns their lake paths and row counts."""
    overflow = [("_overflow", pa.string())] if any("_overflow" in row for row in rows) else []
    schema = pa.schema(SCHEMAS[table] + overflow)
    by_date = {}
    for position, row in enumerate(rows):
        row = dict(row)
        row.setdefault("_seq", batch * 1000 + position)
        date = row["_changed_at"][:10]
        by_date.setdefault(date, []).append({f.name: value(f.name, f.type, row.get(f.name)) for f in schema})
    files = []
    for index, (date, items) in enumerate(sorted(by_date.items())):
        path = f"bronze/{table}/date={date}/{contract.bronze_file_name(batch, index)}"
        os.makedirs(os.path.dirname(f"{lake}/{path}"), exist_ok=True)
        pq.write_table(pa.Table.from_pylist(items, schema=schema), f"{lake}/{path}")
        files.append({"path": path, "rows": len(items), "bytes": os.path.getsize(f"{lake}/{path}")})
    return files


def write_commit_record(lake, batch, files):
    """bronze/_cdc/commits/<batch>.json as the daemon writes it (the fields readers use)."""
    os.makedirs(os.path.dirname(f"{lake}/{contract.commit_record(batch)}"), exist_ok=True)
    tables = [{"table": {"schema": "public", "name": table}, "rows": sum(f["rows"] for f in written),
               "files": written} for table, written in files.items()]
    with open(f"{lake}/{contract.commit_record(batch)}", "w") as out:
        json.dump({"batch": batch, "watermark": 0, "tables": tables, "createdAt": ""}, out)


def main():
    lake, spec = sys.argv[1], json.load(open(sys.argv[2]))
    highest = 0
    for batch in spec["batches"]:
        files = {table: write(lake, table, batch["batch"], batch[table]) for table in SCHEMAS if batch.get(table)}
        if spec.get("commit_records", True):
            write_commit_record(lake, batch["batch"], files)
        highest = max(highest, batch["batch"])
    bookmark = spec.get("bookmark", highest)
    os.makedirs(f"{lake}/bronze", exist_ok=True)
    with open(f"{lake}/bronze/.bookmark.tmp", "w") as out:
        json.dump({"version": 1, "batch": bookmark, "watermark": 0, "tables": {}, "committed_at": ""}, out)
    os.replace(f"{lake}/bronze/.bookmark.tmp", f"{lake}/bronze/bookmark")


if __name__ == "__main__":
    main()
