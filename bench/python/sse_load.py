"""Many open dashboard pages: N concurrent server-sent-event clients on one dashboard.

Connects --clients clients to GET /events, waits until every one has its first event,
then publishes --rounds new gold results into the lake (atomic rename of
gold/branch_metrics.json, as the gold job does) and measures, per client, the time from
publication to the `update` event that carries the new bronze batch. Prints connect
times, delivery latency p50/p99/max, clients that missed an update (none within --deadline
seconds) and whether every client stayed connected; the last line is
RESULT clients=… received=… p50_ms=… p99_ms=… max_ms=…
(received = clients that got every publication within the deadline).
"""
import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))]


def publish(lake, batch):
    branches = [{"branch": f"Branch {i:02d}", "order_count": 100 + (batch * 7 + i * 13) % 400,
                 "avg_delivery_hours": round(1 + ((batch + i) % 9) * 0.5, 2)} for i in range(8)]
    document = {"produced_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "bronze_batch": batch, "branches": branches}
    os.makedirs(os.path.join(lake, "gold"), exist_ok=True)
    temporary = os.path.join(lake, "gold", ".branch_metrics.json.tmp")
    with open(temporary, "w") as handle:
        json.dump(document, handle)
    os.replace(temporary, os.path.join(lake, "gold", "branch_metrics.json"))
    return time.monotonic()


class Client:
    def __init__(self):
        self.connected_after = None
        self.arrivals = {}
        self.closed = False
        self.first_event = asyncio.Event()

    async def run(self, port, started):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(f"GET /events answered {head[:100]!r}")
        buffer = b""
        while True:
            data = await reader.read(65536)
            if not data:
                self.closed = True
                return
            now = time.monotonic()
            buffer += data
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                lines = [line.strip(b"\r") for line in block.split(b"\n")]
                if b"event: update" not in lines:
                    continue
                for line in lines:
                    if line.startswith(b"data: "):
                        batch = json.loads(line[6:]).get("bronze_batch")
                        self.arrivals.setdefault(batch, now)
                if self.connected_after is None:
                    self.connected_after = now - started
                    self.first_event.set()


def subscribers(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        return json.load(response)["subscribers"]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lake", required=True)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--deadline", type=float, default=1.0)
    parser.add_argument("--first-batch", type=int, default=1000)
    args = parser.parse_args()

    clients = [Client() for _ in range(args.clients)]
    started = time.monotonic()
    tasks = [asyncio.create_task(client.run(args.port, started)) for client in clients]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.first_event.wait() for c in clients)), timeout=30)
    except asyncio.TimeoutError:
        failed = [t for t in tasks if t.done() and t.exception()]
        print(f"sse_load: only {sum(c.connected_after is not None for c in clients)} of {args.clients} clients connected"
              + (f"; first error: {failed[0].exception()}" if failed else ""), file=sys.stderr)
        sys.exit(1)
    all_connected = time.monotonic() - started
    connect_ms = [c.connected_after * 1000 for c in clients]
    server_count = await asyncio.to_thread(subscribers, args.port)

    latencies, missed_by_round, published_at = [], [], {}
    for round_index in range(args.rounds):
        batch = args.first_batch + round_index
        published = await asyncio.to_thread(publish, args.lake, batch)
        published_at[batch] = published
        deadline = published + max(5.0, args.deadline * 5)
        while time.monotonic() < deadline and not all(batch in c.arrivals for c in clients):
            await asyncio.sleep(0.01)
        round_latencies = [(c.arrivals[batch] - published) * 1000 for c in clients if batch in c.arrivals]
        latencies += round_latencies
        missed = sum(1 for c in clients if batch not in c.arrivals or (c.arrivals[batch] - published) > args.deadline)
        missed_by_round.append(missed)
        print(f"round {round_index + 1}: batch {batch}  received {len(round_latencies)}/{args.clients}  "
              f"p50 {percentile(round_latencies, 0.5):.0f} ms  max {max(round_latencies, default=float('nan')):.0f} ms  "
              f"missed(>{args.deadline:g}s) {missed}")
        await asyncio.sleep(0.7)  # let the next publication be a separate poll

    still_open = sum(1 for c in clients if not c.closed)
    on_time = sum(1 for c in clients
                  if all(b in c.arrivals and c.arrivals[b] - p <= args.deadline for b, p in published_at.items()))
    within = [l for l in latencies if l <= args.deadline * 1000]
    for task in tasks:
        task.cancel()

    print()
    print(f"| measure | value |")
    print(f"| --- | --- |")
    print(f"| clients | {args.clients} (server counted {server_count} subscribers) |")
    print(f"| connect (until first event) p50 / p99 / max | {percentile(connect_ms, 0.5):.0f} / {percentile(connect_ms, 0.99):.0f} / {max(connect_ms):.0f} ms |")
    print(f"| all {args.clients} connected after | {all_connected * 1000:.0f} ms |")
    print(f"| publications | {args.rounds} |")
    print(f"| delivery latency p50 / p99 / max | {percentile(latencies, 0.5):.0f} / {percentile(latencies, 0.99):.0f} / {max(latencies, default=float('nan')):.0f} ms |")
    print(f"| deliveries within {args.deadline:g} s | {len(within)} of {args.clients * args.rounds} |")
    print(f"| clients that missed an update (per round) | {', '.join(map(str, missed_by_round))} |")
    print(f"| clients still connected at the end | {still_open} |")
    ok = on_time == args.clients and still_open == args.clients
    print(f"RESULT clients={args.clients} received={on_time} p50_ms={percentile(latencies, 0.5):.0f} "
          f"p99_ms={percentile(latencies, 0.99):.0f} max_ms={max(latencies, default=float('nan')):.0f}")
    sys.exit(0 if ok else 2)


if __name__ == "__main__":
    asyncio.run(main())
