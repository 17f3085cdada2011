"""Reads a bronze table with independent readers and prints what they see as JSON.

usage: read_bronze.py <lake-dir> <table>
Prints {"pyarrow_rows": n, "duckdb_rows": n, "columns": [...], "ids": [...], "by_column": {...}}
"""
import json
import sys

import duckdb
import pyarrow.dataset as ds

lake, table = sys.argv[1], sys.argv[2]
root = f"{lake}/bronze/{table}"
dataset = ds.dataset(root, format="parquet", partitioning="hive")
arrow = dataset.to_table()
glob = f"{root}/date=*/*.parquet"
con = duckdb.connect()
duck_rows = con.execute(
    f"SELECT count(*) FROM read_parquet('{glob}', union_by_name = true, hive_partitioning = true)").fetchone()[0]
duck_columns = [r[0] for r in con.execute(
    f"DESCRIBE SELECT * FROM read_parquet('{glob}', union_by_name = true, hive_partitioning = true)").fetchall()]
non_null = {}
for column in duck_columns:
    non_null[column] = con.execute(
        f"SELECT count(\"{column}\") FROM read_parquet('{glob}', union_by_name = true, hive_partitioning = true)").fetchone()[0]
print(json.dumps({
    "pyarrow_rows": arrow.num_rows,
    "duckdb_rows": duck_rows,
    "columns": duck_columns,
    "non_null": non_null,
}))
