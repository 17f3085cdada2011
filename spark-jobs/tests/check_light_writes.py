"""How silver's light path replaces a partition (light.write_partition), at each point a
driver can die: prints one JSON object of what a reader would see, for LightWriteTests.
The partition holds two key-range files (light.BUCKET = 4: ids 1, 2 and id 5); the write
replaces the first with id 3 and keeps the second.

  check_light_writes.py <work directory>
"""
import datetime
import decimal
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import light  # noqa: E402
import silver  # noqa: E402
from lakefs import LakeFS  # noqa: E402

TABLE = silver.ORDERS
DAY = datetime.date(2026, 1, 1)
AT = datetime.datetime(2026, 1, 1, 10, tzinfo=datetime.timezone.utc)


class Died(Exception):
    """Stands for the driver dying at that point."""


def row(order_id):
    values = {"id": order_id, "branch": "A", "customer": "c", "amount": decimal.Decimal("1.00"), "status": "NEW",
              "created_at": AT, "updated_at": AT, "_txid": 1, "_seq": order_id}
    return tuple(values[name] for name in light.schema(TABLE).names)


def seen(root):
    """The ids a reader of the partition sees, and the hidden entries left in the state."""
    directory = f"{root}/{silver.partition_path(TABLE, DAY)}"
    ids = sorted(pq.read_table(directory).column("id").to_pylist()) if os.path.isdir(directory) and os.listdir(directory) else []
    hidden = sorted(name for name in os.listdir(f"{root}/{silver.STATE}") if name.startswith("."))
    return ids, hidden


def dying(root, where):
    """Replaces the partition [1, 2, 5] with [3, 5] (the file of 5 kept), the driver dying
    at `where`."""
    original_exchange, original_rmtree = light.exchange, shutil.rmtree

    def exchange(first, second):
        if where == "before-exchange":
            raise Died()
        original_exchange(first, second)

    def rmtree(path, *arguments, **keywords):
        if where == "after-exchange":
            raise Died()
        original_rmtree(path, *arguments, **keywords)

    written = light.write_partition(root, TABLE, DAY, [row(1), row(2), row(5)])
    kept = [name for name, rows in written.items() if rows.column("id").to_pylist() == [5]]
    if len(written) != 2 or len(kept) != 1:
        raise SystemExit(f"expected two key-range files, one of id 5: {sorted(written)}")
    light.exchange, shutil.rmtree = exchange, rmtree
    try:
        light.write_partition(root, TABLE, DAY, [row(3)], keep=kept)
    except Died:
        pass
    finally:
        light.exchange, shutil.rmtree = original_exchange, original_rmtree
    after_death = seen(root)
    # The next run first removes what unfinished writes left.
    LakeFS(None, "file://" + root).remove_temporaries(silver.STATE)
    return {"after_death": after_death[0], "left": len(after_death[1]), "after_cleanup": seen(root)}


def main():
    work = sys.argv[1]
    light.BUCKET = 4
    results = {}
    for where in ("none", "before-exchange", "after-exchange"):
        root = f"{work}/{where}"
        os.makedirs(f"{root}/{silver.STATE}")
        results[where] = dying(root, where)
    root = f"{work}/emptied"
    os.makedirs(f"{root}/{silver.STATE}")
    light.write_partition(root, TABLE, DAY, [row(1)])
    light.write_partition(root, TABLE, DAY, [])
    results["emptied"] = {"partition_exists": os.path.exists(f"{root}/{silver.partition_path(TABLE, DAY)}"),
                          "hidden": seen(root)[1]}
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
