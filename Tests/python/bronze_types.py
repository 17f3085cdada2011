"""Reads one bronze table with two independent readers (pyarrow and DuckDB), rebuilds
each key's latest state, and prints every value in one canonical text form, so that a
test can compare it value by value with what PostgreSQL says about the same rows.

usage: bronze_types.py <lake-dir> <table> <key-column>

The latest state of a key is its change with the highest `_seq` (the bronze contract's
per-key order); a key whose latest change has `_op = 'D'` is gone and left out. Files
whose names start with '.' or '_' are not bronze data and are ignored (pyarrow's default;
DuckDB reads `date=*/part-*.parquet` only).

Prints one JSON object:
  {"files": n, "changes": n,                   # bronze files and change rows read
   "columns": [...],                           # the Parquet columns, in file order
   "parquet_types": {column: ["<physical> <logical type>", ...]},  # every distinct one in the footers
   "arrow_types": {column: "<pyarrow type>"},  "duckdb_types": {column: "<DuckDB type>"},
   "pyarrow": {"<key>": {column: canonical, ...}}, "duckdb": {...same, read by DuckDB}}

Canonical text of a value (null is JSON null), by the column's Parquet type:
  integers      decimal digits, e.g. "-32768"
  DECIMAL(p,s)  plain decimal with exactly s fractional digits, as PostgreSQL prints a
                numeric(p,s): "9999999999.99", "-0.01", "0.00123" (both readers hand
                Python a Decimal, formatted with format(value, "f"); DuckDB's own text
                would drop the leading zero of a DECIMAL(5,5))
  FLOAT         "NaN" for any NaN, else "f32:" + the IEEE 754 bits as 8 lowercase hex
                digits ("f32:3fc00000" is 1.5, "f32:80000000" is -0, "f32:7f800000" +inf)
  DOUBLE        the same with "f64:" and 16 hex digits
  TIMESTAMP     the int64 microseconds since 1970-01-01 00:00:00 (UTC when
                isAdjustedToUTC) as decimal digits; +-infinity is +-9223372036854775807.
                pyarrow: the raw stored int64 (`.cast(int64)`), so infinity must be
                stored as exactly that; DuckDB: epoch_us(), and its own 'infinity' /
                '-infinity' mapped to +-9223372036854775807
  DATE          days since 1970-01-01 as decimal digits; +-infinity is +-2147483647
                (pyarrow: the raw int32; DuckDB: date - DATE '1970-01-01', its
                infinities checked with isinf and mapped)
  STRING, JSON  the text itself (char(n) keeps its padding)
  BYTE_ARRAY    "\\x" + lowercase hex, PostgreSQL's bytea output (hex format)
  UUID          8-4-4-4-12 lowercase hex
  BOOLEAN       "true" / "false"
The capture columns use the same rules (_op and _overflow are strings, _txid and _seq
integers, _changed_at a UTC timestamp).
"""
import json
import struct
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

TIMESTAMP_INFINITY = 2**63 - 1
DATE_INFINITY = 2**31 - 1


def float_text(value, width):
    if value is None:
        return None
    if value != value:
        return "NaN"
    if width == 32:
        return "f32:" + struct.pack(">f", value).hex()
    return "f64:" + struct.pack(">d", value).hex()


def bytes_text(value):
    return None if value is None else "\\x" + bytes(value).hex()


def uuid_text(value):
    return None if value is None else str(uuid.UUID(bytes=bytes(value)))


def int_text(value):
    return None if value is None else str(int(value))


def canonical_arrow(array):
    """The canonical texts of one pyarrow column (a ChunkedArray)."""
    if isinstance(array.type, pa.BaseExtensionType):
        # arrow.uuid, arrow.json: the plain storage array underneath.
        array = pa.chunked_array([chunk.storage for chunk in array.chunks], type=array.type.storage_type)
    kind = array.type
    if pa.types.is_timestamp(kind):
        if kind.unit != "us":
            raise SystemExit(f"timestamp unit {kind.unit}, expected us")
        return [int_text(v) for v in array.cast(pa.int64()).to_pylist()]
    if pa.types.is_date32(kind):
        return [int_text(v) for v in array.cast(pa.int32()).to_pylist()]
    if pa.types.is_decimal(kind):
        return [None if v is None else format(v, "f") for v in array.to_pylist()]
    if pa.types.is_float32(kind):
        return [float_text(v, 32) for v in array.to_pylist()]
    if pa.types.is_float64(kind):
        return [float_text(v, 64) for v in array.to_pylist()]
    if pa.types.is_integer(kind):
        return [int_text(v) for v in array.to_pylist()]
    if pa.types.is_boolean(kind):
        return [None if v is None else ("true" if v else "false") for v in array.to_pylist()]
    if pa.types.is_fixed_size_binary(kind) and kind.byte_width == 16:
        return [uuid_text(v) for v in array.to_pylist()]
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return [bytes_text(v) for v in array.to_pylist()]
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array.to_pylist()
    raise SystemExit(f"no canonical form for Arrow type {kind}")


def read_pyarrow(root, key):
    dataset = ds.dataset(root, format="parquet", partitioning="hive")
    files = sorted(dataset.files)
    if not files:
        raise SystemExit(f"no bronze files under {root}")
    table = dataset.to_table()
    # The physical and logical type of each column, as every file's footer says it: one
    # install and one writer, so each column should show exactly one.
    parquet_types = {}
    for path in files:
        for c in pq.ParquetFile(path).schema:
            seen = parquet_types.setdefault(c.name, [])
            text = f"{c.physical_type} {c.logical_type}"
            if text not in seen:
                seen.append(text)
    columns = list(parquet_types)
    texts = {name: canonical_arrow(table.column(name)) for name in columns}
    latest = {}
    for row in range(table.num_rows):
        seq = int(texts["_seq"][row])
        rowkey = texts[key][row]
        if rowkey not in latest or latest[rowkey][0] < seq:
            latest[rowkey] = (seq, row)
    rows = {}
    for rowkey, (_, row) in latest.items():
        if texts["_op"][row] == "D":
            continue
        rows[rowkey] = {name: texts[name][row] for name in columns}
    arrow_types = {name: str(table.schema.field(name).type) for name in columns}
    return files, table.num_rows, columns, parquet_types, arrow_types, rows


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def duckdb_expression(name, kind):
    """A DuckDB SQL expression for the column's canonical text, or None when Python
    finishes the job (floats, blobs)."""
    column = quote(name)
    if kind.startswith("TIMESTAMP"):
        return (f"CASE WHEN isinf({column}) AND {column} > epoch_ms(0) THEN '{TIMESTAMP_INFINITY}' "
                f"WHEN isinf({column}) THEN '-{TIMESTAMP_INFINITY}' "
                f"ELSE CAST(epoch_us({column}) AS VARCHAR) END")
    if kind == "DATE":
        return (f"CASE WHEN isinf({column}) AND {column} > DATE '1970-01-01' THEN '{DATE_INFINITY}' "
                f"WHEN isinf({column}) THEN '-{DATE_INFINITY}' "
                f"ELSE CAST({column} - DATE '1970-01-01' AS VARCHAR) END")
    if kind.startswith("DECIMAL"):
        return column  # DuckDB prints DECIMAL(5,5) as ".00123": Python formats its Decimal
    if kind in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT",
                                                "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT", "UUID",
                                                "VARCHAR", "JSON"):
        return f"CAST({column} AS VARCHAR)"
    if kind == "BOOLEAN":
        return f"CASE WHEN {column} THEN 'true' WHEN NOT {column} THEN 'false' END"
    if kind in ("FLOAT", "DOUBLE", "BLOB"):
        return column
    raise SystemExit(f"no canonical form for DuckDB type {kind} of {name}")


def read_duckdb(root, key):
    glob = f"{root}/date=*/part-*.parquet"
    source = f"read_parquet('{glob}', hive_partitioning = false)"
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    types = {row[0]: row[1] for row in described}
    names = [row[0] for row in described]
    select = ", ".join(duckdb_expression(name, types[name]) for name in names)
    changes = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
    result = con.execute(
        f"SELECT {select} FROM {source} "
        f"QUALIFY row_number() OVER (PARTITION BY {quote(key)} ORDER BY _seq DESC) = 1").fetchall()
    rows = {}
    for values in result:
        texts = {}
        for name, value in zip(names, values):
            kind = types[name]
            if kind == "FLOAT":
                texts[name] = float_text(value, 32)
            elif kind == "DOUBLE":
                texts[name] = float_text(value, 64)
            elif kind.startswith("DECIMAL"):
                texts[name] = None if value is None else format(value, "f")
            elif kind == "BLOB":
                texts[name] = bytes_text(value)
            else:
                texts[name] = value
        if texts["_op"] == "D":
            continue
        rows[texts[key]] = texts
    return changes, types, rows


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: bronze_types.py <lake-dir> <table> <key-column>")
    lake, table, key = sys.argv[1:]
    root = f"{lake}/bronze/{table}"
    files, changes, columns, parquet_types, arrow_types, arrow_rows = read_pyarrow(root, key)
    duck_changes, duck_types, duck_rows = read_duckdb(root, key)
    if duck_changes != changes:
        raise SystemExit(f"pyarrow read {changes} changes, DuckDB {duck_changes}")
    print(json.dumps({
        "files": len(files),
        "changes": changes,
        "columns": columns,
        "parquet_types": parquet_types,
        "arrow_types": arrow_types,
        "duckdb_types": duck_types,
        "pyarrow": arrow_rows,
        "duckdb": duck_rows,
    }))


if __name__ == "__main__":
    main()
