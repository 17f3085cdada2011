"""Silver's light path (spark-jobs/light.py) for one new batch over a silver of many days,
for bench/history's light mode.

  light_history.py build <lake> <days> <orders per second>
      writes silver as the light path leaves it after `days` days ending yesterday (UTC)
      of the demo at that rate (each order: NEW, then DELIVERED two hours later; its
      INTRANSIT record is dropped), its order index and bookmark, then one new bronze
      batch (10 new orders, 10 orders going INTRANSIT, 10 delivered); prints
      {"orders": n, "status": n, "files": n, "bytes": n, "seconds": s}
  light_history.py run <lake> <spark-jobs directory>
      one light run of that batch, in this fresh process (as the `submit` runner's), then
      gold's read of the changed orders (light.per_order_days); prints {"light_ms": ms,
      "gold_ms": ms, "rss_mb": peak resident MB, "light": whether the light path took it}.
      When the light path declines (an older light.py past its row limit), the run is
      Spark's (silver.run, a local Spark session started first and not counted).
"""
import datetime
import json
import os
import resource
import sys
import time

UTC = datetime.timezone.utc
DAY_US = 86_400_000_000
DELIVERY_US = 2 * 3_600_000_000
BRANCHES = ["Amsterdam", "Berlin", "Copenhagen", "Dublin", "Edinburgh", "Florence", "Geneva", "Hamburg"]


def build(lake, days, rate):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../spark-jobs"))
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../spark-jobs/tests"))
    import pyarrow as pa
    import pyarrow.compute as pc
    import bronze_fixture
    import light
    import silver
    started = time.monotonic()
    per_day = int(rate * 86_400)
    # Ids start where the newest key range ends half full whatever the span, so that the
    # file the new orders land in is the same size in every lake.
    offset = (light.BUCKET // 2 - days * per_day) % light.BUCKET
    today = int(time.time() * 1_000_000) // DAY_US * DAY_US
    first = today - days * DAY_US
    orders_schema, status_schema = light.schema(silver.ORDERS), light.schema(silver.STATUS)
    branches = pa.array(BRANCHES)
    customers = pa.array([f"customer-{n}" for n in range(50_000)])

    def order_columns(ids):
        return [pc.take(branches, pc.remainder(ids, len(BRANCHES))), pc.take(customers, pc.remainder(ids, 50_000)),
                pc.add(pc.remainder(ids, 9000), 500).cast(pa.int32()).cast(pa.decimal128(12, 2))]

    def micros(values):
        return values.cast(pa.timestamp("us", tz="UTC"))

    total = {"orders": 0, "status": 0}
    spill = None  # DELIVERED rows falling on the next day
    for day in range(days):
        start = first + day * DAY_US
        ids = pa.array(range(offset + day * per_day + 1, offset + (day + 1) * per_day + 1), type=pa.int64())
        created = pc.add(pc.multiply(pc.subtract(ids, offset + 1), int(1_000_000 / rate)), first)
        branch, customer, amount = order_columns(ids)
        status = pa.array(["DELIVERED"] * len(ids))
        orders = pa.Table.from_arrays([ids, branch, customer, amount, status, micros(created),
                                       micros(pc.add(created, DELIVERY_US)), ids, pc.multiply(ids, 3)], schema=orders_schema)
        light.write_partition(lake, silver.ORDERS, datetime.date(1970, 1, 1) + datetime.timedelta(days=start // DAY_US), orders)
        new = pa.Table.from_arrays([pc.multiply(ids, 3), ids, pa.array(["NEW"] * len(ids)), micros(created), ids,
                                    pc.multiply(ids, 3), branch, customer, amount], schema=status_schema)
        delivered_at = pc.add(created, DELIVERY_US)
        delivered = pa.Table.from_arrays([pc.add(pc.multiply(ids, 3), 2), ids, status, micros(delivered_at), ids,
                                          pc.add(pc.multiply(ids, 3), 2), branch, customer, amount], schema=status_schema)
        today_part = delivered.filter(pc.less(delivered_at, start + DAY_US))
        parts = [new, today_part] + ([spill] if spill is not None else [])
        spill = delivered.filter(pc.greater_equal(delivered_at, start + DAY_US))
        frame = pa.concat_tables(parts)
        light.write_partition(lake, silver.STATUS, datetime.date(1970, 1, 1) + datetime.timedelta(days=start // DAY_US), frame)
        total["orders"] += orders.num_rows
        total["status"] += frame.num_rows
    if spill is not None and spill.num_rows:  # delivered today: today's partition
        light.write_partition(lake, silver.STATUS, datetime.date(1970, 1, 1) + datetime.timedelta(days=today // DAY_US), spill)
        total["status"] += spill.num_rows
    # The order index as the light path keeps it: (order, its NEW and DELIVERED ids).
    by_order, last = light.ByOrder(lake), offset + days * per_day
    os.makedirs(by_order.directory, exist_ok=True)
    for value in range(light.bucket(offset + 1), light.bucket(last) + 1):
        ids = pa.array(range(max(offset + 1, value * light.BUCKET), min(last, (value + 1) * light.BUCKET - 1) + 1),
                       type=pa.int64())
        orders = pa.concat_arrays([ids, ids]).take(pc.sort_indices(pa.concat_arrays([ids, ids])))
        histories = pc.add(pc.multiply(orders, 3), pa.concat_arrays([pa.array([0, 2], type=pa.int64())] * len(ids)))
        by_order.write_frame(value, pa.table({"order_id": orders, "history_id": histories}))
    version = "bench"
    write(f"{lake}/{light.INDEX_FILE}", {"bucket": light.BUCKET, "version": version})
    write(f"{lake}/{silver.BOOKMARK}", {"bronze_batch": 1, "previous_batch": 0, "version": version, "floors": {}})
    new_batch(lake, last, rate, first - offset * int(1_000_000 / rate), bronze_fixture)
    files = sum(len(names) for _, _, names in os.walk(f"{lake}/silver"))
    size = sum(os.path.getsize(f"{path}/{name}") for path, _, names in os.walk(f"{lake}/silver") for name in names)
    print(json.dumps({**total, "files": files, "bytes": size, "seconds": round(time.monotonic() - started, 1)}))


def write(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        json.dump(value, out)


def new_batch(lake, last_id, rate, first, fixture):
    """Batch 2: 10 new orders, 10 going INTRANSIT (made 20 minutes before the last), 10
    delivered (made two hours before the last)."""
    def at(micros):
        return datetime.datetime.fromtimestamp(micros / 1e6, UTC).isoformat().replace("+00:00", "Z")
    now = first + (last_id - 1) * int(1_000_000 / rate)
    orders, history, seq = [], [], 3 * last_id + 10
    for offset in range(1, 11):
        order = last_id + offset
        seq += 1
        orders.append({"id": order, "branch": BRANCHES[order % 8], "customer": f"customer-{order % 50_000}",
                       "amount": "12.50", "status": "NEW", "created_at": at(now), "updated_at": at(now), "_op": "I",
                       "_txid": seq, "_seq": seq, "_changed_at": at(now)})
        history.append({"id": 3 * order, "order_id": order, "status": "NEW", "changed_at": at(now), "_op": "I",
                        "_txid": seq, "_seq": seq, "_changed_at": at(now)})
    for back, state in ((int(1200 * rate), "INTRANSIT"), (int(7200 * rate), "DELIVERED")):
        for offset in range(10):
            order = last_id - back + offset
            seq += 1
            created = first + (order - 1) * int(1_000_000 / rate)
            orders.append({"id": order, "branch": BRANCHES[order % 8], "customer": f"customer-{order % 50_000}",
                           "amount": str((order % 9000) + 500) + ".00", "status": state, "created_at": at(created),
                           "updated_at": at(now), "_op": "U", "_txid": seq, "_seq": seq, "_changed_at": at(now)})
            history.append({"id": 3 * order + (1 if state == "INTRANSIT" else 2), "order_id": order, "status": state,
                            "changed_at": at(now), "_op": "I", "_txid": seq, "_seq": seq, "_changed_at": at(now)})
    files = {"orders": fixture.write(lake, "orders", 2, orders), "ordershistory": fixture.write(lake, "ordershistory", 2, history)}
    fixture.write_commit_record(lake, 2, files)
    write(f"{lake}/bronze/bookmark", {"version": 1, "batch": 2, "watermark": 0, "tables": {}, "committed_at": ""})


def run(lake, jobs):
    sys.path.insert(0, jobs)
    import light
    import silver
    from lakefs import LakeFS
    from phases import Phases
    lake_fs = LakeFS(None, "file://" + lake)
    light.MEMORY.enabled = True
    started = time.monotonic()
    result = light.run(None, lake_fs, phases=Phases())
    light_ms = int((time.monotonic() - started) * 1000)
    gold_ms, took = None, result is not None
    if took:
        record = lake_fs.read_json(f"{silver.CHANGES}/{2:020d}.json")
        started = time.monotonic()
        days = light.per_order_days(lake_fs, record["orders"])
        gold_ms = int((time.monotonic() - started) * 1000) if days is not None else None
    else:
        from lakefs import spark_session
        spark = spark_session("light-history-bench")
        lake_fs = LakeFS(spark, "file://" + lake)
        started = time.monotonic()
        silver.run(spark, lake_fs)
        light_ms = int((time.monotonic() - started) * 1000)
        spark.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"light_ms": light_ms, "gold_ms": gold_ms, "rss_mb": round(rss), "light": took}))


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        run(sys.argv[2], sys.argv[3])
