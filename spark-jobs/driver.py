"""The stage driver: silver then gold, once or as a warm, long-lived driver.

  driver.py once  <lake-uri> [--full] [--result-file PATH] [--result-name NAME]
      one run (the `submit` and `standalone` runners); prints one line
      `MEDALLION-RESULT {json}` and exits 0, or 1 when the run failed. The same JSON
      goes to PATH, a new local file (`submit`), or to `gold/_state/results/NAME.json`
      in the lake (`standalone`: the driver runs on a worker, whose disk the daemon
      cannot read).
  driver.py serve <lake-uri> --port P --token-pipe PATH
      the warm driver (the `local` runner): reads the daemon's token T from the named
      pipe PATH (so T is on no command line and in no environment), connects to the
      daemon on 127.0.0.1:P, says `HELLO T`, then answers each `REFRESH <id> [full]` line
      with `RESULT {json}`. It exits when the daemon closes the connection.

Either way the driver dies with the JVM that started it (PR_SET_PDEATHSIG), and the JVM
with the daemon.

Spark's own output goes to stderr, which the runners keep in their log file.
"""
import datetime
import decimal
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback

import contract
from lakefs import LakeFS, spark_session, write_json
from phases import Phases
import gold
import light
import silver


def refresh(spark, lake_uri, full=False):
    started = time.monotonic()
    phases = Phases()
    try:
        lake = LakeFS(spark, lake_uri)
        # Small steady runs of the warm driver skip Spark (light.py); the rest, and
        # whatever the light path leaves, run on Spark.
        result = light.run(spark, lake, full=full, phases=phases) or light.spark_run(spark, lake, full=full, phases=phases)
        # After a full rebuild gold is rebuilt too, even when it covers the same batch.
        result.update(gold.run(spark, lake, result["bronze_batch"], phases=phases, force=full))
        result["ok"] = True
    except Exception as error:  # reported to the daemon, which retries with backoff
        traceback.print_exc()
        result = {"ok": False, "error": f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"}
    result["run_ms"] = int((time.monotonic() - started) * 1000)
    result["phases_ms"] = phases.ms
    print(f"medallion-driver: run took {result['run_ms']} ms: {phases.summary()}", file=sys.stderr, flush=True)
    return result


def option(name, default=None):
    arguments = sys.argv[3:]
    return arguments[arguments.index(name) + 1] if name in arguments else default


class LazySession:
    """The SparkSession, started on first use: a cold run the light path takes whole
    (light.py) needs none, and starting one is most of such a run's time."""

    def __init__(self, app_name):
        self.app_name, self.session = app_name, None

    def __getattr__(self, name):
        if self.session is None:
            self.session = spark_session(self.app_name)
        return getattr(self.session, name)

    def stop(self):
        if self.session is not None:
            self.session.stop()


def once(lake_uri):
    result_name = option("--result-name")
    if result_name is not None and not contract.is_result_name(result_name):
        raise SystemExit(f"driver.py: --result-name must be 1-64 letters, digits or dashes, not {result_name!r}")
    spark = LazySession("medallion-stages")
    light.MEMORY.enabled = True
    result = refresh(spark, lake_uri, full="--full" in sys.argv[3:])
    # The submit runner keeps the JVM's class archive only from a run that used Spark:
    # one the light path took whole loaded almost nothing worth mapping.
    result["spark_started"] = spark.session is not None
    line = json.dumps(result, sort_keys=True)
    print("MEDALLION-RESULT " + line, flush=True)
    if option("--result-file"):
        # A fresh name in the daemon's private directory: created here, never followed.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with os.fdopen(os.open(option("--result-file"), flags, 0o600), "w") as out:
            out.write(line + "\n")
    if result_name is not None:
        write_json(LakeFS(spark, lake_uri), contract.stage_result(result_name), result)
    spark.stop()
    return 0 if result["ok"] else 1


WARM_UP_PREFIX = "medallion-warm-up-"


def remove_stale_warm_ups(directory=None):
    """Removes the scratch lakes of warm-ups whose driver died (a SIGKILL skips the
    `finally` that removes them): ours (by owner) whose pid in the name is gone."""
    directory = directory or tempfile.gettempdir()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        pid = name[len(WARM_UP_PREFIX):].split("-", 1)[0]
        if not name.startswith(WARM_UP_PREFIX) or not pid.isdigit():
            continue
        path = os.path.join(directory, name)
        try:
            if os.lstat(path).st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue  # alive (another user's process), or already gone


def warm_up(spark):
    """Runs silver and gold over two tiny batches in a scratch lake, so the first real
    refreshes do not pay for loading and compiling their code paths (several seconds
    each on a cold JVM)."""
    remove_stale_warm_ups()
    root = tempfile.mkdtemp(prefix=f"{WARM_UP_PREFIX}{os.getpid()}-")
    lake = LakeFS(spark, "file://" + root)
    at = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    try:
        for batch, status in ((1, "NEW"), (2, "DELIVERED")):
            op = "I" if batch == 1 else "U"
            # Batch 2 also deletes, so the tombstone code paths are compiled too.
            images = {
                "orders": [(1, "warm-up", "c", decimal.Decimal("1.00"), status, at, at, op, batch, 2 * batch, at, None),
                           (2, "warm-up", "c", decimal.Decimal("1.00"), "NEW", at, at, "I" if batch == 1 else "D",
                            batch, 2 * batch + 1, at, None)],
                "ordershistory": [(batch, 1, status, at, "I", batch, 2 * batch, at, None),
                                  (11, 2, "NEW", at, "I" if batch == 1 else "D", batch, 2 * batch + 1, at, None)],
            }
            for table, rows in images.items():
                staging = f"{root}/staging-{table}-{batch}"
                spark.createDataFrame(rows, silver.BRONZE_SCHEMAS[table]).coalesce(1).write.parquet("file://" + staging)
                written = next(name for name in os.listdir(staging) if name.endswith(".parquet"))
                os.makedirs(f"{root}/bronze/{table}/date=2000-01-01", exist_ok=True)
                os.rename(f"{staging}/{written}",
                          f"{root}/bronze/{table}/date=2000-01-01/{contract.bronze_file_name(batch, 0)}")
            write_json(lake, contract.BRONZE_BOOKMARK, {"batch": batch})
            refresh(spark, lake.root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        silver.MEMORY.forget()
        light.MEMORY.forget()


def orphaned():
    """Whether the JVM that started this driver is gone: the `local` runner's JVM leads the
    process group it shares with this process, and was this process's parent."""
    return os.getppid() != os.getpgrp()


def read_token(path):
    """The daemon's token, from the named pipe it writes once this process has it open.
    Gives up when the JVM is gone (it may have died with the daemon before this process
    asked for its parent-death signal): then no daemon will ever write."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    data = b""
    try:
        while not data.endswith(b"\n"):
            if orphaned():
                sys.exit("medallion-driver: the JVM that started this driver is gone")
            select.select([fd], [], [], 0.2)
            try:
                chunk = os.read(fd, 256)
            except BlockingIOError:
                continue
            if not chunk:
                if data:  # the daemon wrote and closed
                    break
                time.sleep(0.1)  # no writer yet
            data += chunk
    finally:
        os.close(fd)
    return data.decode("utf-8").strip()


def die_with_parent():
    """Asks Linux for SIGKILL when the JVM that started this process ends."""
    parent = os.getppid()
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the JVM ended before the request took effect
        os._exit(1)


def serve(lake_uri):
    token = read_token(option("--token-pipe"))
    spark = spark_session("medallion-stages-driver")
    silver.MEMORY.enabled = True  # this session outlives its runs
    light.MEMORY.enabled = True
    try:
        warm_up(spark)
    except Exception:  # only slower first runs; the real ones report their own errors
        traceback.print_exc()
    connection = socket.create_connection(("127.0.0.1", int(option("--port"))))
    stream = connection.makefile("rw", encoding="utf-8", newline="\n")
    stream.write(f"HELLO {token}\n")
    stream.flush()
    for line in stream:  # ends when the daemon closes the connection
        words = line.split()
        if len(words) < 2 or words[0] != "REFRESH":
            continue
        print(f"medallion-driver: refresh {words[1]} started", file=sys.stderr, flush=True)
        result = refresh(spark, lake_uri, full="full" in words[2:])
        result["id"] = int(words[1])
        stream.write("RESULT " + json.dumps(result, sort_keys=True) + "\n")
        stream.flush()
    spark.stop()
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("once", "serve"):
        sys.exit("usage: driver.py once|serve <lake-uri> [options]")
    die_with_parent()
    sys.exit(once(sys.argv[2]) if sys.argv[1] == "once" else serve(sys.argv[2]))
