"""The fault soak behind bench/soak (see its header): the simulator at a high rate, the
daemon with warm `local` stages, and faults injected one after another on a seeded
random schedule; then the simulator stops, the daemon drains, and the end state is
checked. Progress goes to stderr, the table and the RESULT line to stdout.

usage: soak.py <medallion-executable>   (as root; settings from SOAK_* variables)
"""
import csv
import errno
import glob
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG_BIN = "/usr/lib/postgresql/15/bin"
KINDS = ["daemon_kill", "pg_restart_fast", "pg_restart_immediate", "lake_read_only", "lake_full",
         "spark_kill", "spark_hang", "long_transaction", "ddl_add_rename"]
SPARK_KINDS = {"spark_kill", "spark_hang"}
RECOVERY_TIMEOUT = 120.0

# An audit trail the soak keeps in the source itself, beside capture: one row per change
# of a retail row, so lost or duplicated changes are counted per key and operation, not
# only in the final state that `verify` compares.
AUDIT_SQL = """
CREATE SCHEMA soak;
CREATE TABLE soak.audit (tbl text NOT NULL, id bigint NOT NULL, op "char" NOT NULL);
CREATE FUNCTION soak.audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO soak.audit VALUES (TG_TABLE_NAME,
        CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, left(TG_OP, 1));
    RETURN NULL;
END $$;
CREATE TRIGGER soak_audit AFTER INSERT OR UPDATE OR DELETE ON public.orders
    FOR EACH ROW EXECUTE FUNCTION soak.audit();
CREATE TRIGGER soak_audit AFTER INSERT OR UPDATE OR DELETE ON public.ordershistory
    FOR EACH ROW EXECUTE FUNCTION soak.audit();
"""

GOLD_SQL = """
SELECT o.branch, count(*), coalesce(avg(extract(epoch FROM d.t - n.t) / 3600)::text, '')
FROM orders o
JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'NEW' GROUP BY 1) n ON n.order_id = o.id
LEFT JOIN (SELECT order_id, min(changed_at) t FROM ordershistory WHERE status = 'DELIVERED' GROUP BY 1) d ON d.order_id = o.id
GROUP BY o.branch ORDER BY o.branch
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_seconds(text):
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", text.strip())
    if not match:
        raise SystemExit(f"bench/soak: cannot read a duration from {text!r} (e.g. 20s)")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


class Fault:
    def __init__(self, kind, started):
        self.kind = kind
        self.started = started
        self.ended = None
        self.recovered_at = None
        self.effect = None  # True when the fault was seen to bite (e.g. the bookmark held still)
        self.note = ""

    @property
    def recovery_seconds(self):
        return None if self.recovered_at is None else self.recovered_at - self.ended


class Soak:
    def __init__(self, medallion):
        self.medallion = medallion
        self.fault_seconds = float(os.environ.get("SOAK_SECONDS", "75"))
        self.seed = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(1, 2**31))
        self.rate = float(os.environ.get("SOAK_RATE", "50"))
        self.stage_timeout = os.environ.get("SOAK_STAGE_TIMEOUT", "60s")
        # A cold driver's start gets longer than a run: on a slow CI machine the JVM alone
        # took a minute, and a start cut off at the run's timeout never got Spark back.
        self.start_timeout = os.environ.get("SOAK_START_TIMEOUT", "300s")
        self.keep = os.environ.get("SOAK_KEEP") == "1"
        self.capture = os.environ.get("SOAK_CAPTURE", "trigger")
        if self.capture not in ("trigger", "logical"):
            raise SystemExit(f"bench/soak: SOAK_CAPTURE is trigger or logical, not {self.capture!r}")
        self.rng = random.Random(self.seed)
        self.work = tempfile.mkdtemp(prefix="medallion-soak-")
        self.tag = os.path.basename(self.work)
        self.lake_mount = f"{self.work}/lakefs"   # a tmpfs of its own, so it can be filled
        self.lake = f"{self.lake_mount}/lake"
        self.filler = f"{self.lake_mount}/filler"  # outside the lake, on the same filesystem
        self.logs = f"{self.work}/logs"
        self.pg_port = free_port()
        self.metrics_port = free_port()
        self.admin = f"host=127.0.0.1 port={self.pg_port} user=postgres"
        self.dsn = self.admin + " dbname=retail"
        self.began = time.monotonic()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.daemon = None            # the current `medallion run` (Popen)
        self.daemon_instance = 0
        self.daemon_expected_down = False
        self.unexpected_exits = []    # (instance, status, last log lines)
        self.kill_survivors = []      # per daemon_kill: its processes still alive at the restart
        self.rss = {}                 # instance -> [(t, kB)]
        self.bookmarks = []           # (t, batch) when the bookmark moved
        self.golds = []               # (t, produced_at) when gold moved
        self.simulator = None
        self.simulator_wanted = False
        self.simulator_restarts = 0
        self.faults = []
        self.mounted = False
        self.read_only = False
        self.pg_started = False
        self.ddl_count = 0
        self.threads = []

    # ---------------------------------------------------------------- helpers
    def log(self, message):
        print(f"[{time.monotonic() - self.began:7.1f}s] {message}", file=sys.stderr, flush=True)

    def env(self, **extra):
        env = dict(os.environ)
        env.pop("MEDALLION_FAULT", None)
        env.update({
            "MEDALLION_DSN": self.dsn, "MEDALLION_LAKE": "file://" + self.lake,
            "MEDALLION_STAGE_LOG_DIR": self.logs, "MEDALLION_METRICS_ADDRESS": f"127.0.0.1:{self.metrics_port}",
            "MEDALLION_SPARK_SUBMIT": f"{ROOT}/.venv/bin/spark-submit", "MEDALLION_SPARK_JOBS": f"{ROOT}/spark-jobs",
            "PYSPARK_PYTHON": f"{ROOT}/.venv/bin/python", "SPARK_LOCAL_IP": "127.0.0.1",
            "TMPDIR": f"{self.work}/tmp", "SPARK_SOAK_TAG": self.tag,
        })
        env.update(extra)
        return env

    def run(self, argv, check=True, **kwargs):
        result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:4])}... exited {result.returncode}: {result.stderr.strip()[-2000:]}")
        return result

    def as_postgres(self, argv, **kwargs):
        return self.run(["runuser", "-u", "postgres", "--"] + argv, **kwargs)

    def psql(self, sql, dbname="retail", **kwargs):
        return self.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                         "-d", f"{self.admin} dbname={dbname} application_name=soak", "-c", sql], **kwargs).stdout

    def bookmark_batch(self):
        return (read_json(f"{self.lake}/bronze/bookmark") or {}).get("batch", 0)

    def gold_marker(self):
        return read_json(f"{self.lake}/gold/_marker.json") or {}

    def wait_for(self, what, condition, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")

    def tagged_processes(self):
        """Processes started with this soak's SPARK_SOAK_TAG in their environment, children included (the daemon passes SPARK_* variables, and no others of ours, to Spark)."""
        found = []
        marker = f"SPARK_SOAK_TAG={self.tag}".encode()
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == os.getpid():
                continue
            try:
                with open(f"/proc/{name}/environ", "rb") as f:
                    environ = f.read().split(b"\0")
                if marker not in environ:
                    continue
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                with open(f"/proc/{name}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state == "Z":
                continue
            instance = next((v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"SPARK_SOAK_INSTANCE=")), "")
            found.append((int(name), instance, command))
        return found

    def driver_processes(self):
        """(pid, kind) of the current daemon's Spark driver: its JVM and its Python."""
        out = []
        for pid, instance, command in self.tagged_processes():
            if instance != str(self.daemon_instance) or "driver.py" not in command or " serve " not in f" {command} ":
                continue
            try:
                exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
            except OSError:
                continue
            out.append((pid, "java" if exe.startswith("java") else "python"))
        return out

    # ------------------------------------------------------------- set-up
    def setup(self):
        os.chmod(self.work, 0o755)  # the server runs as postgres
        os.makedirs(self.logs)
        os.makedirs(f"{self.work}/tmp")
        os.makedirs(self.lake_mount)
        size = os.environ.get("SOAK_LAKE_SIZE", "1g")
        self.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", self.lake_mount])
        self.mounted = True
        os.makedirs(self.lake)
        os.makedirs(f"{self.work}/pg")
        shutil.chown(f"{self.work}/pg", "postgres")
        data = f"{self.work}/pg/data"
        self.as_postgres([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
        self.data = data
        self.start_postgres()
        self.pg_started = True
        self.psql("CREATE DATABASE retail", dbname="postgres")
        self.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn, "-f", f"{ROOT}/sql/retail.sql"])
        self.psql(AUDIT_SQL)
        self.run([self.medallion, "install", "--capture", self.capture], env=self.env())

    # -------------------------------------------------------- background
    def start_daemon(self):
        with self.lock:
            self.daemon_instance += 1
            log = open(f"{self.logs}/daemon-{self.daemon_instance}.log", "w")
            self.daemon = subprocess.Popen(
                [self.medallion, "run", "--stages", "local", "--stage-timeout", self.stage_timeout,
                 "--stage-start-timeout", self.start_timeout,
                 "--log-level", "info"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env(SPARK_SOAK_INSTANCE=str(self.daemon_instance)))
            log.close()
            self.rss[self.daemon_instance] = []
            self.daemon_expected_down = False

    def daemon_log(self, instance=None):
        try:
            with open(f"{self.logs}/daemon-{instance or self.daemon_instance}.log", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def start_simulator(self):
        log = open(f"{self.logs}/simulate.log", "a")
        self.simulator = subprocess.Popen(
            [self.medallion, "simulate", "--rate", str(self.rate), "--connections", "8", "--branches", "12",
             "--delays", "0.2-2"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env())
        log.close()

    def watch(self):
        """Restarts what died unasked (the daemon: counted as a failure; the simulator:
        expected when PostgreSQL restarts), samples the daemon's RSS and records when the
        bookmark and gold move."""
        last_batch, last_gold, next_rss = None, None, 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            with self.lock:
                daemon = self.daemon
                if daemon is not None and not self.daemon_expected_down and daemon.poll() is not None:
                    tail = [line for line in self.daemon_log().splitlines() if line.strip()][-3:]
                    self.unexpected_exits.append((self.daemon_instance, daemon.returncode, " | ".join(tail)))
                    self.log(f"daemon instance {self.daemon_instance} EXITED UNASKED with status {daemon.returncode}: "
                             + " | ".join(tail)[-400:])
                    time.sleep(1)
                    self.start_daemon()
                    daemon = self.daemon
                if self.simulator_wanted and self.simulator is not None and self.simulator.poll() is not None:
                    self.simulator_restarts += 1
                    time.sleep(0.5)
                    self.start_simulator()
                if now >= next_rss and daemon is not None and daemon.poll() is None:
                    try:
                        with open(f"/proc/{daemon.pid}/status") as f:
                            kb = int(next(line.split()[1] for line in f if line.startswith("VmRSS:")))
                        self.rss[self.daemon_instance].append((now, kb))
                    except (OSError, StopIteration, ValueError):
                        pass
                    next_rss = now + 1.0
            batch = self.bookmark_batch()
            if batch != last_batch:
                self.bookmarks.append((now, batch))
                last_batch = batch
            produced = self.gold_marker().get("produced_at")
            if produced != last_gold:
                self.golds.append((now, produced))
                last_gold = produced
            time.sleep(0.1)

    def bookmark_moved_after(self, t):
        return next((at for at, _ in self.bookmarks if at > t), None)

    def gold_moved_after(self, t):
        return next((at for at, _ in self.golds if at > t), None)

    # ------------------------------------------------------------ faults
    def fault_daemon_kill(self, fault):
        with self.lock:
            self.daemon_expected_down = True
            self.daemon.send_signal(signal.SIGKILL)
            self.daemon.wait()
        killed = str(self.daemon_instance)
        time.sleep(self.rng.uniform(0.5, 2))
        # Its Spark driver should die with it (issue 14, point 6).
        survivors = [pid for pid, instance, _ in self.tagged_processes() if instance == killed]
        self.kill_survivors.append(len(survivors))
        fault.note = f"instance {killed}, {len(survivors)} of its processes alive at the restart"
        self.start_daemon()

    def start_postgres(self):
        self.as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", f"{self.work}/pg/server.log", "-w", "-o",
                          f"-p {self.pg_port} -k {self.data} -c listen_addresses=127.0.0.1 -c shared_buffers=128MB"
                          + (" -c wal_level=logical" if self.capture == "logical" else ""),
                          "start"])

    def restart_postgres(self, fault, mode):
        down = self.rng.uniform(0, 3)
        self.as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"])
        time.sleep(down)
        self.start_postgres()
        fault.note = f"down {down:.1f} s"

    def fault_pg_restart_fast(self, fault):
        self.restart_postgres(fault, "fast")

    def fault_pg_restart_immediate(self, fault):
        self.restart_postgres(fault, "immediate")

    def fault_lake_read_only(self, fault):
        # chmod does not stop root: a read-only bind mount of the lake over itself does.
        hold = self.rng.uniform(4, 10)
        self.run(["mount", "--bind", self.lake, self.lake])
        self.read_only = True
        for attempt in range(50):  # EBUSY while a file is open for writing
            if self.run(["mount", "-o", "remount,ro,bind", self.lake, self.lake], check=False).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("could not remount the lake read-only")
        before = self.bookmark_batch()
        time.sleep(hold)
        fault.effect = self.bookmark_batch() == before
        self.run(["umount", "-l", self.lake])
        self.read_only = False
        fault.note = f"{hold:.1f} s"

    def fault_lake_full(self, fault):
        hold = self.rng.uniform(4, 10)
        stat = os.statvfs(self.lake_mount)
        with open(self.filler, "wb") as f:
            # Until not a page is left (what statvfs says free is not all allocatable).
            size, chunk = 0, stat.f_bavail * stat.f_frsize
            while chunk >= 4096:
                try:
                    os.posix_fallocate(f.fileno(), size, chunk)
                    size += chunk
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        before = self.bookmark_batch()
        time.sleep(hold)
        fault.effect = self.bookmark_batch() == before
        os.unlink(self.filler)
        fault.note = f"{hold:.1f} s"

    def warm_driver(self, timeout):
        """Waits until the current daemon's driver serves runs; returns its processes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            processes = self.driver_processes()
            pids = re.findall(r"spark driver ready.*?pid=(\d+)|pid=(\d+).*?spark driver ready", self.daemon_log())
            ready = {int(a or b) for a, b in pids}
            if processes and any(pid in ready for pid, _ in processes):
                return processes
            time.sleep(0.2)
        return []

    def driver_wait(self):
        # A driver start may take up to the start timeout, and the first may time out.
        return 2 * parse_seconds(self.start_timeout) + 30

    def fault_spark_kill(self, fault):
        processes = self.warm_driver(self.driver_wait())
        if not processes:
            raise RuntimeError(f"no warm Spark driver to kill within {self.driver_wait():.0f} s")
        pid, kind = self.rng.choice(sorted(processes))
        os.kill(pid, signal.SIGKILL)
        fault.note = f"{kind} pid {pid}"

    def fault_spark_hang(self, fault):
        processes = self.warm_driver(self.driver_wait())
        if not processes:
            raise RuntimeError(f"no warm Spark driver to stop within {self.driver_wait():.0f} s")
        for pid, _ in processes:
            os.kill(pid, signal.SIGSTOP)
        fault.note = f"stopped {len(processes)} processes"
        # The daemon's stage timeout kills the hung driver (a stopped process dies of SIGKILL).
        limit = parse_seconds(self.stage_timeout) * 2 + 60
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") and self.running(pid) for pid, _ in processes):
            time.sleep(0.2)
        left = [pid for pid, _ in processes if self.running(pid)]
        fault.effect = not left
        for pid in left:  # not ended by the daemon: let it go on rather than hang the soak
            os.kill(pid, signal.SIGCONT)
        if left:
            fault.note += f"; {len(left)} still there after {limit:.0f} s"

    @staticmethod
    def running(pid):
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def fault_long_transaction(self, fault):
        hold = self.rng.uniform(6, 15)
        before = self.bookmark_batch()
        started = time.monotonic()
        self.psql(f"""
            BEGIN;
            WITH o AS (INSERT INTO orders (branch, customer, amount, status)
                       VALUES ('branch-01', 'soak-long-transaction', 1.00, 'NEW') RETURNING id)
            INSERT INTO ordershistory (order_id, status) SELECT id, 'NEW' FROM o;
            SELECT pg_sleep({hold:.2f});
            COMMIT;""")
        # The watermark held: nothing committed meanwhile reached bronze until it ended
        # (a batch may commit just after the transaction began).
        moved = [at for at, batch in self.bookmarks if started + 1.0 < at < time.monotonic() - 0.3]
        # Logical capture has no watermark: the others' transactions go on reaching bronze.
        fault.effect = None if self.capture == "logical" else not moved and self.bookmark_batch() >= before
        fault.note = f"{hold:.1f} s"

    def fault_ddl_add_rename(self, fault):
        self.ddl_count += 1
        k = self.ddl_count
        self.psql(f"SET lock_timeout = '20s'; ALTER TABLE orders ADD COLUMN soak_note_{k} text")
        self.psql(f"UPDATE orders SET soak_note_{k} = 'note {k}' WHERE id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 20)")
        time.sleep(self.rng.uniform(0.5, 2))
        self.psql(f"SET lock_timeout = '20s'; ALTER TABLE orders RENAME COLUMN soak_note_{k} TO soak_remark_{k}")
        self.psql(f"UPDATE orders SET soak_remark_{k} = 'remark {k}' WHERE id IN (SELECT id FROM orders ORDER BY id DESC LIMIT 20)")
        fault.note = f"soak_note_{k} -> soak_remark_{k}"

    def inject(self, kind):
        fault = Fault(kind, time.monotonic())
        self.faults.append(fault)
        self.log(f"fault {len(self.faults)}: {kind}")
        getattr(self, f"fault_{kind}")(fault)
        fault.ended = time.monotonic()
        if kind in SPARK_KINDS:
            return fault  # gold's recovery is looked up at the end: capture goes on meanwhile
        deadline = fault.ended + RECOVERY_TIMEOUT
        while time.monotonic() < deadline and self.bookmark_moved_after(fault.ended) is None:
            time.sleep(0.1)
        fault.recovered_at = self.bookmark_moved_after(fault.ended)
        self.log(f"  {kind} ({fault.note}): " + (f"bronze moved again {fault.recovery_seconds:.1f} s after it"
                                                 if fault.recovered_at else "NOT RECOVERED"))
        return fault

    # -------------------------------------------------------------- phases
    def start(self):
        self.start_daemon()
        thread = threading.Thread(target=self.watch, daemon=True)
        thread.start()
        self.threads.append(thread)
        self.wait_for("the daemon to catch up", lambda: "caught up to bookmark" in self.daemon_log(), 120)
        with self.lock:
            self.simulator_wanted = True
            self.start_simulator()
        self.log(f"simulator at {self.rate:g} orders/s; waiting for the first gold")
        # On a busy machine a driver may not start within the start timeout: say so.
        self.wait_for(f"the first gold (a Spark driver that cannot start within {self.start_timeout} on a busy "
                      "machine? raise SOAK_START_TIMEOUT)", lambda: self.gold_marker().get("bronze_batch", 0) > 0,
                      parse_seconds(self.start_timeout) + 2 * parse_seconds(self.stage_timeout) + 60)

    def fault_phase(self):
        schedule = KINDS[:]
        self.rng.shuffle(schedule)  # every kind at least once, then random ones until time is up
        phase_began = time.monotonic()
        while schedule or time.monotonic() - phase_began < self.fault_seconds:
            kind = schedule.pop(0) if schedule else self.rng.choice(KINDS)
            time.sleep(self.rng.uniform(1.5, 4))
            self.inject(kind)
        self.log(f"fault phase over after {time.monotonic() - phase_began:.0f} s: {len(self.faults)} faults")

    def drain(self):
        with self.lock:
            self.simulator_wanted = False
            self.simulator.send_signal(signal.SIGTERM)
        self.simulator.wait(timeout=60)
        self.log("simulator stopped; verify (waits for the daemon to commit what the source has)")
        verify = self.run([self.medallion, "verify", "--json", "--timeout", "180s"], check=False, env=self.env())
        try:
            self.verify = json.loads(verify.stdout)
        except ValueError:
            self.verify = None
        self.verify_status = verify.returncode
        self.verify_error = verify.stderr.strip()[-1000:]
        batch = self.bookmark_batch()
        self.log(f"verify exited {verify.returncode}; waiting for gold to cover bronze batch {batch}")
        try:
            self.wait_for(f"gold to cover batch {batch}", lambda: self.gold_marker().get("bronze_batch", 0) >= batch, 300)
            self.gold_covered = True
        except RuntimeError as error:
            self.log(str(error))
            self.gold_covered = False
        self.drained_at = time.monotonic()

    def stop_daemon(self):
        with self.lock:
            self.daemon_expected_down = True
            self.daemon.send_signal(signal.SIGTERM)
        try:
            self.daemon_exit = self.daemon.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.daemon_exit = "timeout"
            self.daemon.kill()
            self.daemon.wait()
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    # ------------------------------------------------------------- checks
    def compare_gold(self):
        expected = []
        for line in self.psql(GOLD_SQL).splitlines():
            branch, count, hours = line.split("|")
            expected.append((branch, int(count), float(hours) if hours else None))
        path = f"{self.lake}/gold/branch_metrics/part-00000.csv"
        with open(path) as f:
            rows = list(csv.reader(f))
        if rows[0] != ["branch", "order_count", "avg_delivery_hours"]:
            return False, f"unexpected header {rows[0]}"
        gold = [(b, int(c), float(h) if h else None) for b, c, h in rows[1:]]
        same = len(gold) == len(expected) and all(
            a[0] == b[0] and a[1] == b[1] and (a[2] is None) == (b[2] is None)
            and (a[2] is None or abs(a[2] - b[2]) < 1e-6) for a, b in zip(gold, expected))
        return same, "" if same else f"gold {gold} vs SQL {expected}"

    def compare_changes(self):
        """Lost, duplicated and phantom changes: the audit trail against bronze, per table,
        key and operation; and the lag of every bronze file behind its oldest change."""
        audit = {}
        for line in self.psql("SELECT tbl, id, op, count(*) FROM soak.audit GROUP BY 1, 2, 3").splitlines():
            table, key, op, count = line.split("|")
            audit[(table, int(key), op)] = int(count)
        db = duckdb.connect()
        db.execute("SET TimeZone = 'UTC'")
        bronze, duplicated, rows, snapshot_rows, lags = {}, 0, 0, 0, []
        for table in ("orders", "ordershistory"):
            files = f"{self.lake}/bronze/{table}/*/part-*.parquet"
            db.execute(f"CREATE OR REPLACE VIEW b AS SELECT * FROM read_parquet('{files}', union_by_name = true, "
                       "hive_partitioning = false, filename = true)")
            for key, op, distinct in db.execute(
                    "SELECT id, _op, count(DISTINCT _seq) FROM b WHERE _op IN ('I', 'U', 'D') GROUP BY 1, 2").fetchall():
                bronze[(table, key, op)] = distinct
            total, distinct, snapshots = db.execute(
                "SELECT count(*), count(DISTINCT _seq), count(*) FILTER (WHERE _op = 'R') FROM b").fetchone()
            duplicated += total - distinct
            rows += total
            snapshot_rows += snapshots
            for filename, oldest in db.execute("SELECT filename, epoch(min(_changed_at)) FROM b GROUP BY 1").fetchall():
                lags.append(os.stat(filename).st_mtime - oldest)
        lost = sum(max(0, n - bronze.get(k, 0)) for k, n in audit.items())
        phantom = sum(max(0, n - audit.get(k, 0)) for k, n in bronze.items())
        lags.sort()
        return {"audited": sum(audit.values()), "bronze_rows": rows, "snapshot_rows": snapshot_rows, "lost": lost,
                "duplicated": duplicated, "phantom": phantom, "max_lag_s": max(lags, default=0.0),
                "p50_lag_s": lags[len(lags) // 2] if lags else 0.0,
                "p99_lag_s": lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else 0.0}

    def temporary_files(self):
        """What a writer left half done: hidden temporaries, Spark's _temporary, staged gold."""
        left = []
        for directory, dirs, files in os.walk(self.lake):
            for name in dirs + files:
                path = os.path.join(directory, name)
                if name.startswith(".") or name == "_temporary" or ".tmp" in name:
                    left.append(os.path.relpath(path, self.lake))
            if os.path.relpath(directory, self.lake) == os.path.join("gold", "_staging"):
                left.extend(os.path.join("gold", "_staging", n) for n in dirs + files)
        return sorted(set(left))

    def rss_summary(self):
        peak = max((kb for samples in self.rss.values() for _, kb in samples), default=0) / 1024
        # Flat: in the longest-lived instance, its last quarter against its second quarter
        # (the first is start-up and the first catch-up).
        longest = max(self.rss.values(), key=len, default=[])
        growth = None
        if len(longest) >= 40:
            n = len(longest)
            second = statistics.median(kb for _, kb in longest[n // 4: n // 2])
            last = statistics.median(kb for _, kb in longest[3 * n // 4:])
            growth = (last - second) / 1024
        return peak, growth, len(longest)

    # --------------------------------------------------------------- report
    def damage_bronze(self):
        """SOAK_SELF_CHECK=1: one orders file copied under another batch's name and one
        ordershistory file deleted, to show that the checks see duplicates and losses."""
        orders = sorted(glob.glob(f"{self.lake}/bronze/orders/*/part-*.parquet"))
        history = sorted(glob.glob(f"{self.lake}/bronze/ordershistory/*/part-*.parquet"))
        shutil.copy(orders[len(orders) // 2], os.path.join(os.path.dirname(orders[-1]), "part-99999999999999999999-0.parquet"))
        os.unlink(history[len(history) // 2])
        self.log("SOAK_SELF_CHECK: copied one orders file, deleted one ordershistory file")

    def report(self):
        if os.environ.get("SOAK_SELF_CHECK") == "1":
            self.damage_bronze()
        changes = self.compare_changes()
        gold_same, gold_detail = self.compare_gold() if self.gold_covered else (False, "gold did not cover the last batch")
        self.stop_daemon()
        deadline = time.monotonic() + 15  # Python workers may outlive the JVM by a moment
        while time.monotonic() < deadline and self.tagged_processes():
            time.sleep(0.2)
        orphans = self.tagged_processes()
        temporaries = self.temporary_files()
        peak_mb, growth_mb, samples = self.rss_summary()
        for fault in self.faults:
            if fault.kind in SPARK_KINDS:
                fault.recovered_at = self.gold_moved_after(fault.ended)
        verify_clean = self.verify_status == 0 and self.verify is not None
        status = read_json(f"{self.logs}/medallion-stages-status.json") or {}
        unrecovered = [f for f in self.faults if f.recovered_at is None]

        out = sys.stdout
        print(f"\nbench/soak: {self.capture} capture, seed {self.seed}, {self.rate:g} orders/s, fault phase {self.fault_seconds:g} s (SOAK_SECONDS),"
              f" stage timeout {self.stage_timeout}, start timeout {self.start_timeout}", file=out)
        print(f"{'fault':<24}{'injected':>9}{'recovered':>10}{'recovery s max':>16}{'recovery s p50':>16}{'bit':>6}", file=out)
        for kind in KINDS:
            faults = [f for f in self.faults if f.kind == kind]
            times = [f.recovery_seconds for f in faults if f.recovered_at is not None]
            bit = [f.effect for f in faults if f.effect is not None]
            print(f"{kind:<24}{len(faults):>9}{len(times):>10}"
                  f"{(f'{max(times):.1f}' if times else '-'):>16}{(f'{statistics.median(times):.1f}' if times else '-'):>16}"
                  f"{(f'{sum(bit)}/{len(bit)}' if bit else '-'):>6}", file=out)
        print("  (recovery: bronze committed again after the fault ended; for spark_*, gold was published again."
              " bit: the bookmark held still while the lake refused writes or the transaction held the watermark,"
              " or the daemon killed the hung driver)", file=out)
        rows = [
            ("faults injected", len(self.faults)),
            ("faults recovered", len(self.faults) - len(unrecovered)),
            ("changes made (audit trail)", changes["audited"]),
            ("bronze rows (incl. re-captures R)", f"{changes['bronze_rows']} ({changes['snapshot_rows']})"),
            ("lost changes", changes["lost"]),
            ("duplicated changes", changes["duplicated"]),
            ("phantom changes", changes["phantom"]),
            ("change -> bronze lag max / p99 / p50 s",
             f"{changes['max_lag_s']:.1f} / {changes['p99_lag_s']:.1f} / {changes['p50_lag_s']:.2f}"),
            ("verify", "clean" if verify_clean else f"FAILED (exit {self.verify_status}) {self.verify_error}"),
            ("gold vs SQL on the source", "equal" if gold_same else f"DIFFERENT {gold_detail}"[:2000]),
            ("daemon exits unasked", len(self.unexpected_exits)),
            ("SIGKILLed daemons whose children outlived them",
             f"{sum(1 for n in self.kill_survivors if n)} of {len(self.kill_survivors)}"),
            ("daemon exit on SIGTERM", self.daemon_exit),
            ("orphan processes", len(orphans)),
            ("temporary files in the lake", len(temporaries)),
            ("stage runs / failed (last daemon)", f"{status.get('runs', '?')} / {status.get('failures', '?')}"),
            ("simulator restarts", self.simulator_restarts),
            ("driver scratch dirs left in TMPDIR", len(os.listdir(f"{self.work}/tmp"))),
            ("daemon peak RSS MB", f"{peak_mb:.0f}"),
            ("daemon RSS growth MB (longest run, "
             f"{samples} s)", "-" if growth_mb is None else f"{growth_mb:+.1f}"),
        ]
        for label, value in rows:
            print(f"{label:<50}{value}", file=out)
        reasons = {}
        for instance, code, tail in self.unexpected_exits:
            # The error line is the last one; paths and ports vary, the reason does not.
            reason = f"status {code}: " + re.sub(r"/tmp/medallion-soak-[^/ ]+", "<work>", tail.split(" | ")[-1])[:300]
            reasons.setdefault(reason, []).append(instance)
        for reason, instances in reasons.items():
            print(f"  daemon exited unasked {len(instances)}x (instances {', '.join(map(str, instances[:8]))}"
                  f"{', ...' if len(instances) > 8 else ''}): {reason}", file=out)
        for pid, instance, command in orphans:
            print(f"  orphan pid {pid} (daemon instance {instance}): {command[:200]}", file=out)
        for path in temporaries[:20]:
            print(f"  left in the lake: {path}", file=out)
        if self.verify is not None and not verify_clean:
            print("  verify: " + json.dumps(self.verify)[:2000], file=out)

        failed = (changes["lost"] or changes["duplicated"] or changes["phantom"] or not verify_clean or not gold_same
                  or orphans or temporaries or unrecovered or self.unexpected_exits or self.daemon_exit != 0)
        print(f"RESULT faults={len(self.faults)} lost={changes['lost']} duplicated={changes['duplicated']} "
              f"max_lag_s={changes['max_lag_s']:.1f} peak_rss_mb={peak_mb:.0f} recovered={len(self.faults) - len(unrecovered)} "
              f"phantom={changes['phantom']} verify={'clean' if verify_clean else 'failed'} "
              f"gold={'equal' if gold_same else 'different'} orphans={len(orphans)} temp_files={len(temporaries)} "
              f"unasked_exits={len(self.unexpected_exits)} rss_growth_mb={'-' if growth_mb is None else f'{growth_mb:.1f}'} "
              f"changes={changes['audited']} seed={self.seed}", file=out, flush=True)
        return 1 if failed else 0

    # -------------------------------------------------------------- cleanup
    def cleanup(self):
        self.stopping.set()
        for process in (self.simulator, self.daemon):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        for pid, _, _ in self.tagged_processes():  # ours: they carry this soak's tag
            for sig in (signal.SIGCONT, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
        if self.read_only:
            self.run(["umount", "-l", self.lake], check=False)
        if self.pg_started:
            self.as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"], check=False)
        if self.mounted:
            self.run(["umount", "-l", self.lake_mount], check=False)
        if self.keep:
            print(f"bench/soak: kept {self.work} (SOAK_KEEP=1)", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    soak = Soak(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    soak.log(f"seed {soak.seed} (SOAK_SEED to repeat), work directory {soak.work}")
    try:
        soak.setup()
        soak.start()
        soak.fault_phase()
        soak.drain()
        code = soak.report()
    except Exception as error:
        soak.log(f"bench/soak failed: {error}")
        for instance in range(1, soak.daemon_instance + 1)[-3:]:
            # Warnings and errors, not the stream of committed batches.
            lines = [line for line in soak.daemon_log(instance).splitlines() if " info " not in line]
            print(f"--- daemon instance {instance}, last warnings:\n" + "\n".join(lines[-10:]), file=sys.stderr)
        print(f"RESULT faults={len(soak.faults)} lost=? duplicated=? max_lag_s=? peak_rss_mb=? error=1", flush=True)
        code = 1
    finally:
        soak.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
