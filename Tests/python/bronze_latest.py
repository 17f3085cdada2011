"""Rebuilds a table's current rows from bronze with DuckDB alone, by the bronze contract,
and prints them as JSON: an independent check of what `medallion verify` concludes.

usage: bronze_latest.py <lake-dir> <table> <key-column>[,<key-column>...] <column>[,<column>...]
The contract: per key, the change with the highest _seq is the latest (_txid order is not
change order); a latest change with _op = 'D' means the key is gone; a row with _op = 'T'
removes every key whose latest change has a lower _seq. Prints
{"rows": [[<columns as text>...], ...] sorted, "changes": n, "markers": n,
 "history": [[_op, <columns as text>...], ...] every change in _seq order}
"""
import json
import sys

import duckdb

lake, table, keys, columns = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")
glob = f"{lake}/bronze/{table}/date=*/*.parquet"


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


con = duckdb.connect()
con.execute(f"CREATE VIEW bronze AS SELECT * FROM read_parquet('{glob}', union_by_name = true, hive_partitioning = false)")
key_list = ", ".join(quoted(k) for k in keys)
column_list = ", ".join(f"CAST({quoted(c)} AS VARCHAR)" for c in columns)
rows = con.execute(f"""
    WITH truncated AS (SELECT coalesce(max(_seq), -1) AS below FROM bronze WHERE _op = 'T'),
    ranked AS (
        SELECT *, row_number() OVER (PARTITION BY {key_list} ORDER BY _seq DESC) AS rank
        FROM bronze WHERE _op <> 'T')
    SELECT {column_list} FROM ranked, truncated
    WHERE rank = 1 AND _op <> 'D' AND _seq > truncated.below
    ORDER BY {key_list}""").fetchall()
changes = con.execute("SELECT count(*) FROM bronze").fetchone()[0]
markers = con.execute("SELECT count(*) FROM bronze WHERE _op = 'T'").fetchone()[0]
history = con.execute(f"SELECT _op, {column_list} FROM bronze ORDER BY _seq").fetchall()
print(json.dumps({"rows": [list(row) for row in rows], "changes": changes, "markers": markers,
                  "history": [list(row) for row in history]}))
