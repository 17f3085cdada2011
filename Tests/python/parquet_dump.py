"""Reads Parquet files with pyarrow and/or DuckDB and prints canonical values as JSON.

usage: parquet_dump.py --readers pyarrow,duckdb FILE...
prints {"pyarrow": {FILE: {"columns": {...}, "meta": {...}}}, "duckdb": {FILE: {"columns": {...}}}}
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import parquet_canonical as canon  # noqa: E402

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
    import duckdb
except ImportError as error:  # the Swift side turns this into "run scripts/setup"
    print(f"missing Python module: {error.name}: run scripts/setup", file=sys.stderr)
    sys.exit(3)


def arrow_column(array, typ):
    if isinstance(typ, pa.BaseExtensionType):
        array = array.storage if isinstance(array, pa.Array) else pa.chunked_array([c.storage for c in array.chunks], typ.storage_type)
        typ = typ.storage_type
    if pa.types.is_boolean(typ):
        return [canon.boolean(v) for v in array.to_pylist()]
    if pa.types.is_integer(typ):
        return [canon.integer(v) for v in array.to_pylist()]
    if pa.types.is_date32(typ):
        return [canon.integer(v) for v in array.cast(pa.int32()).to_pylist()]
    if pa.types.is_timestamp(typ):
        assert typ.unit == "us", typ
        return [canon.integer(v) for v in array.cast(pa.int64()).to_pylist()]
    if pa.types.is_float32(typ):
        return [canon.float32(v) for v in array.to_pylist()]
    if pa.types.is_float64(typ):
        return [canon.float64(v) for v in array.to_pylist()]
    if pa.types.is_decimal(typ):
        return [canon.decimal(v, typ.scale) for v in array.to_pylist()]
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return [canon.text(v) for v in array.to_pylist()]
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_fixed_size_binary(typ):
        return [canon.binary(v) for v in array.to_pylist()]
    raise TypeError(f"unexpected arrow type {typ}")


def read_pyarrow(path):
    table = pq.read_table(path)
    columns = {f.name: arrow_column(table.column(f.name), f.type) for f in table.schema}
    pf = pq.ParquetFile(path)
    md = pf.metadata
    meta = {
        "num_rows": md.num_rows,
        "num_row_groups": md.num_row_groups,
        "created_by": md.created_by,
        "key_value_metadata": {k.decode(): v.decode() for k, v in (md.metadata or {}).items()},
        "arrow_types": {f.name: str(f.type) for f in table.schema},
        "columns": {},
    }
    for i in range(md.num_columns):
        col = pf.schema.column(i)
        chunks = [md.row_group(g).column(i) for g in range(md.num_row_groups)]
        info = {
            "physical_type": col.physical_type,
            "logical_type": str(col.logical_type),
            "converted_type": col.converted_type,
            "max_definition_level": col.max_definition_level,
            "encodings": sorted({e for c in chunks for e in c.encodings}),
            "compression": sorted({c.compression for c in chunks}),
            "has_dictionary_page": [c.has_dictionary_page for c in chunks],
            "statistics": [],
        }
        for c in chunks:
            s = c.statistics
            if s is None:
                info["statistics"].append(None)
                continue
            entry = {"null_count": s.null_count, "has_min_max": s.has_min_max}
            if s.has_min_max:
                lo, hi = s.min_raw, s.max_raw  # physical values: no date or decimal conversion
                entry["min"] = lo.hex() if isinstance(lo, bytes) else str(lo)
                entry["max"] = hi.hex() if isinstance(hi, bytes) else str(hi)
            info["statistics"].append(entry)
        meta["columns"][col.name] = info
    return {"columns": columns, "meta": meta}


def read_duckdb(con, path):
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    exprs, converters = [], []
    for name, typ, *_ in described:
        quoted = '"' + name.replace('"', '""') + '"'
        t = typ.upper()
        if t.startswith("TIMESTAMP"):
            exprs.append(f"epoch_us({quoted})")
            converters.append(canon.integer)
        elif t == "DATE":
            exprs.append(f"({quoted} - DATE '1970-01-01')")
            converters.append(canon.integer)
        elif t.startswith("DECIMAL"):
            scale = int(t[t.index(",") + 1:t.index(")")])
            exprs.append(quoted)
            converters.append(lambda v, s=scale: canon.decimal(v, s))
        elif t == "FLOAT":
            exprs.append(quoted)
            converters.append(canon.float32)
        elif t == "DOUBLE":
            exprs.append(quoted)
            converters.append(canon.float64)
        elif t in ("BLOB", "UUID") or t.startswith("BLOB"):
            exprs.append(quoted)
            converters.append(canon.binary)
        elif t in ("VARCHAR", "JSON"):
            exprs.append(f"CAST({quoted} AS VARCHAR)")
            converters.append(canon.text)
        elif t == "BOOLEAN":
            exprs.append(quoted)
            converters.append(canon.boolean)
        elif t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
            exprs.append(quoted)
            converters.append(canon.integer)
        else:
            raise TypeError(f"unexpected DuckDB type {typ} for {name}")
    rows = con.execute(f"SELECT {', '.join(exprs)} FROM read_parquet(?)", [path]).fetchall()
    columns = {}
    for i, (name, *_rest) in enumerate(described):
        columns[name] = [converters[i](row[i]) for row in rows]
    return {"columns": columns, "types": {d[0]: d[1] for d in described}}


def main():
    args = sys.argv[1:]
    readers = ["pyarrow", "duckdb"]
    if args and args[0] == "--readers":
        readers = args[1].split(",")
        args = args[2:]
    out = {}
    if "pyarrow" in readers:
        out["pyarrow"] = {path: read_pyarrow(path) for path in args}
    if "duckdb" in readers:
        con = duckdb.connect()
        out["duckdb"] = {path: read_duckdb(con, path) for path in args}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
