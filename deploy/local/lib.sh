# Shared by deploy/local/up and deploy/local/down (sourced, not run).
#
# Everything lives under $var (default <repo>/var, kept between runs):
#   var/pg/data         the private PostgreSQL cluster (socket in var/pg); password
#                       (scram-sha-256) authentication over TCP, peer on its socket
#   var/secrets/pgpass  the postgres role's generated password, as a pgpass file (0600)
#   var/lake            the lake (file://)
#   var/run/<name>.pid  pids of what `up` started: run, dashboard, simulate
#   var/log/<name>.log  their logs, postgresql.log, the Spark stage logs
#
# Settings (environment):
#   MEDALLION_BIN             the medallion executable (default .build/release/medallion,
#                             built with `swift build -c release` when missing)
#   MEDALLION_DEMO_VAR        the state directory (default <repo>/var)
#   MEDALLION_DEMO_PG_PORT    PostgreSQL's port on 127.0.0.1 (default 55432)
#   MEDALLION_DEMO_PG_BIN     PostgreSQL's programs (default /usr/lib/postgresql/15/bin)
#   MEDALLION_PORT            the dashboard's port (default 5000)
#   MEDALLION_METRICS_ADDRESS the daemon's /metrics, /healthz, /readyz (default 127.0.0.1:9464)
#   MEDALLION_STAGES          local (default), submit, standalone or off
#   MEDALLION_DEMO_DASHBOARD  0: do not start the dashboard
#   MEDALLION_DEMO_SIMULATE   0: do not start the simulator (MEDALLION_SIM_RATE: its rate)
#   MEDALLION_DEMO_TIMEOUT    seconds `up` waits for readiness (default 120)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
var="${MEDALLION_DEMO_VAR:-$root/var}"
case "$var" in /*) ;; *) var="$root/$var" ;; esac
pg_bin="${MEDALLION_DEMO_PG_BIN:-/usr/lib/postgresql/15/bin}"
pg_port="${MEDALLION_DEMO_PG_PORT:-55432}"
pg_data="$var/pg/data"
run_dir="$var/run"
secrets_dir="$var/secrets"
pgpass="$secrets_dir/pgpass"
log_dir="$var/log"
lake_dir="$var/lake"
dashboard_port="${MEDALLION_PORT:-5000}"
# The order `down` stops them in: the load first, then the daemon, then the reader.
services=(simulate run dashboard)

say() { echo "medallion-local: $*"; }
fail() { echo "medallion-local: error: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a PostgreSQL server program as the cluster's owner (postgres when we are root).
as_owner() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_running() {
  [ -f "$pg_data/PG_VERSION" ] && as_owner "$pg_bin/pg_ctl" -D "$pg_data" status >/dev/null 2>&1
}

# The pid in var/run/<name>.pid if that process is alive and is a medallion process.
live_pid() {
  local file="$run_dir/$1.pid" pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a reused pid: it must still be one of ours.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q medallion || return 1
  echo "$pid"
}

# True when something listens on 127.0.0.1:<port>.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True when GET http://127.0.0.1:<port><path> answers 2xx (bash's /dev/tcp: no curl needed).
# Whether the dashboard on port $1 lists at least one branch (/api/branches).
dashboard_has_data() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /api/branches HTTP/1.0\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$1" >&3
    timeout 2 cat <&3 | grep -Eq '"branch" *:'
  ) 2>/dev/null
}

http_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    IFS= read -r -t 2 status_line <&3 || exit 1
    [[ "$status_line" =~ ^HTTP/1\.[01]\ 2[0-9][0-9] ]]
  ) 2>/dev/null
}

# Stops var/run/<name>.pid: SIGTERM to the process, SIGKILL after the grace period, then
# whatever is left in its session (Spark children). Returns 1 if it had to be killed.
stop_service() {
  local name="$1" grace="${MEDALLION_DEMO_STOP_TIMEOUT:-30}" pid waited=0 status=0
  if ! pid=$(live_pid "$name"); then
    rm -f "$run_dir/$name.pid"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace * 10)) ]; do
    sleep 0.1; waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop within ${grace}s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    status=1
  fi
  # It was started as a session leader (setsid), so its pid is its session's id. The
  # daemon stops its Spark driver itself; anything of that session still left (a JVM in
  # its own process group) is stopped here, by pid.
  local leftovers
  leftovers=$(pgrep -s "$pid" 2>/dev/null | tr '\n' ' ' || true)
  if [ -n "${leftovers// /}" ]; then
    # shellcheck disable=SC2086
    kill -TERM $leftovers 2>/dev/null || true
    waited=0
    while pgrep -s "$pid" >/dev/null 2>&1 && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    leftovers=$(pgrep -s "$pid" 2>/dev/null | tr '\n' ' ' || true)
    # shellcheck disable=SC2086
    if [ -n "${leftovers// /}" ]; then kill -KILL $leftovers 2>/dev/null || true; fi
  fi
  rm -f "$run_dir/$name.pid"
  say "stopped $name (pid $pid)"
  return "$status"
}
