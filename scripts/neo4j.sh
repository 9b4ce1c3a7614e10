#!/usr/bin/env bash
# A local Neo4j 5.26 LTS Community for Redthread's tests and development:
# no Docker, no Neo4j install -- Java 17+ and Maven are enough.
#
#   scripts/neo4j.sh start     build the launcher on first use, start Neo4j in the
#                              background, wait until Bolt answers, print NEO4J_URI=...
#   scripts/neo4j.sh stop      stop it (SIGTERM, then SIGKILL after a deadline)
#   scripts/neo4j.sh status    running or not, and the URI (exit 3 when not running)
#   scripts/neo4j.sh restart   stop, then start
#   scripts/neo4j.sh import DIR
#                              load the CSV files of `redthread neo4j-import --out DIR` into
#                              a new database with Neo4j's offline importer (neo4j-admin
#                              database import full); Neo4j must be stopped, and the data
#                              directory kept (not NEO4J_TMP_DATA). `start` then serves it;
#                              the store creates its indexes on first open.
#
# stdout carries only NEO4J_URI=bolt://127.0.0.1:PORT (start, status); progress and
# errors go to stderr. The URI is also written to $STATE/env. Usable from any cwd.
#
# Environment:
#   NEO4J_PORT            preferred Bolt port (default 7687); when it is taken by
#                         something that is not ours, the next free port is used
#   NEO4J_STATE_DIR       state directory (default <repo>/.neo4j): pid, log, env, data
#   NEO4J_DATA_DIR        data directory (default $NEO4J_STATE_DIR/data)
#   NEO4J_TMP_DATA=1      data in a fresh temporary directory, removed by stop
#   NEO4J_HEAP            JVM heap (default 1g)
#   NEO4J_PAGECACHE       page cache (default 256m)
#   NEO4J_TX_MAX          memory of one transaction (default 256m)
#   NEO4J_TX_TOTAL        memory of all transactions (default 512m)
#   NEO4J_TX_TIMEOUT      default transaction timeout (default 120s; 0 = none)
#   NEO4J_START_TIMEOUT   seconds to wait for readiness (default 120)
#   NEO4J_STOP_TIMEOUT    seconds to wait for a clean stop before SIGKILL (default 60)
#   NEO4J_IMPORT_OVERWRITE=1  let import replace a database that holds data
#   NEO4J_IMPORT_MEMORY   the importer's off-heap memory (default 2g; it takes 90% of
#                         free RAM unless told, too much on a shared machine)
#   NEO4J_IMPORT_OPTS     extra options for the importer, e.g. --threads=8
#   NEO4J_JAVA_OPTS       extra JVM options
#   JAVA_HOME             Java to use (default: java on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL_DIR="$ROOT/tools/neo4j"
TARGET="$TOOL_DIR/target"
STATE_DIR="${NEO4J_STATE_DIR:-$ROOT/.neo4j}"
case "$STATE_DIR" in /*) ;; *) STATE_DIR="$PWD/$STATE_DIR" ;; esac
PID_FILE="$STATE_DIR/neo4j.pid"
LOG_FILE="$STATE_DIR/neo4j.log"
ENV_FILE="$STATE_DIR/env"
INFO_FILE="$STATE_DIR/run.info"   # port and data directory of the running instance
READY_MARK="REDTHREAD-NEO4J READY"

say() { echo "neo4j: $*" >&2; }
die() { echo "neo4j: error: $*" >&2; exit 1; }

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

javac_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    echo "$JAVA_HOME/bin/javac"
  else
    command -v javac || true
  fi
}

sha() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1
  else shasum -a 256 | cut -d' ' -f1; fi
}

# lock serialises start/stop of one state directory (two `make test` at once).
lock() {
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/.lock"
    flock -w 600 9 || die "another scripts/neo4j.sh holds $STATE_DIR/.lock for more than 10 minutes"
  fi
}

# ---------------------------------------------------------------- build

# build compiles the launcher once; it re-builds only when pom.xml, Launcher.java
# or the Java version change.
build() {
  local java javac stamp
  java="$(java_bin)"
  javac="$(javac_bin)"
  [ -n "$java" ] || die "java not found: install Java 17 or 21 (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  [ -n "$javac" ] || die "javac not found: install a JDK, not only a JRE (Debian: apt-get install openjdk-17-jdk-headless)"
  local major
  major="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  case "$major" in
    17|21) ;;
    *) die "Neo4j 5.26 needs Java 17 or 21; $java is Java ${major:-unknown}" ;;
  esac
  stamp="$( { cat "$TOOL_DIR/pom.xml" "$TOOL_DIR/src/Launcher.java"; "$java" -version 2>&1; } | sha)"
  if [ -f "$TARGET/.stamp" ] && [ "$(cat "$TARGET/.stamp")" = "$stamp" ] \
     && [ -f "$TARGET/classes/Launcher.class" ] && [ -d "$TARGET/lib" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (Debian: apt-get install maven)"
  say "building the launcher (first run downloads Neo4j from Maven Central, ~150 MB)"
  local started=$SECONDS build_log="$STATE_DIR/build.log"
  rm -rf "${TARGET:?}/lib" "${TARGET:?}/classes" "${TARGET:?}/.stamp"
  if ! mvn -B -q -f "$TOOL_DIR/pom.xml" dependency:copy-dependencies >"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "mvn dependency:copy-dependencies failed (full output in $build_log)"
  fi
  if ! "$javac" --release 17 -d "$TARGET/classes" -cp "$TARGET/lib/*" "$TOOL_DIR/src/Launcher.java" >>"$build_log" 2>&1; then
    tail -n 30 "$build_log" >&2
    die "javac failed (full output in $build_log)"
  fi
  echo "$stamp" >"$TARGET/.stamp"
  say "built in $((SECONDS - started))s"
}

# ---------------------------------------------------------------- process

# our_pid prints the pid of the running launcher of this state directory, or
# nothing (a stale pid file from a kill -9 or a reboot is ignored).
our_pid() {
  [ -f "$PID_FILE" ] || return 0
  local pid args
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  case "$pid" in ''|*[!0-9]*) return 0 ;; esac
  kill -0 "$pid" 2>/dev/null || return 0
  if [ -r "/proc/$pid/cmdline" ]; then
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
  else
    args="$(ps -o args= -p "$pid" 2>/dev/null || true)"
  fi
  case "$args" in
    *"-Dredthread.neo4j.state=$STATE_DIR "*) echo "$pid" ;;
  esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_port() {
  local want="${NEO4J_PORT:-7687}" p
  case "$want" in ''|*[!0-9]*) die "NEO4J_PORT must be a port number, not '$want'" ;; esac
  if ! port_open "$want"; then echo "$want"; return 0; fi
  for ((p = want + 1; p < want + 200 && p < 65536; p++)); do
    if ! port_open "$p"; then
      say "port $want is taken by another program; using $p"
      echo "$p"
      return 0
    fi
  done
  die "no free port in $want..$((want + 199))"
}

info() { sed -n "s/^$1=//p" "$INFO_FILE" 2>/dev/null || true; }

uri() { echo "bolt://127.0.0.1:$(info port)"; }

# cleanup removes what a stopped (or killed) instance leaves behind.
cleanup() {
  if [ "$(info tmpdata)" = 1 ]; then
    local d
    d="$(info data)"
    case "$d" in */redthread-neo4j.*) rm -rf "$d" ;; esac
  fi
  rm -f "$PID_FILE" "$ENV_FILE" "$INFO_FILE"
}

last_log() {
  echo "---- last lines of $LOG_FILE ----" >&2
  tail -n 40 "$LOG_FILE" >&2 || true
  echo "----" >&2
}

# terminate stops pid: SIGTERM, wait, then SIGKILL.
terminate() {
  local pid="$1" limit="${NEO4J_STOP_TIMEOUT:-60}" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((limit * 10)) ]; then
      say "no clean stop after ${limit}s; sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

# ---------------------------------------------------------------- commands

cmd_start() {
  lock
  local pid
  pid="$(our_pid)"
  if [ -n "$pid" ]; then
    say "already running (pid $pid, data $(info data))"
    echo "NEO4J_URI=$(uri)"
    return 0
  fi
  if [ -f "$PID_FILE" ]; then
    say "removing the stale pid file of an instance that is gone (killed or crashed)"
  fi
  cleanup

  build

  local port data tmpdata=0
  port="$(pick_port)"
  if [ "${NEO4J_TMP_DATA:-0}" = 1 ]; then
    data="$(mktemp -d "${TMPDIR:-/tmp}/redthread-neo4j.XXXXXX")"
    tmpdata=1
  else
    data="${NEO4J_DATA_DIR:-$STATE_DIR/data}"
    mkdir -p "$data"
    data="$(cd "$data" && pwd)"
  fi
  printf 'port=%s\ndata=%s\ntmpdata=%s\n' "$port" "$data" "$tmpdata" >"$INFO_FILE"

  [ -f "$LOG_FILE" ] && mv -f "$LOG_FILE" "$LOG_FILE.1"
  local java
  java="$(java_bin)"
  local -a jvm=(
    "-Dredthread.neo4j.state=$STATE_DIR"
    "-Xms256m" "-Xmx${NEO4J_HEAP:-1g}"
    # From Neo4j 5.26's conf/neo4j.conf (server.jvm.additional).
    "-XX:+UseG1GC" "-XX:-OmitStackTraceInFastThrow"
    "-XX:+UnlockExperimentalVMOptions" "-XX:+TrustFinalNonStaticFields"
    "-XX:+DisableExplicitGC" "-XX:+ExitOnOutOfMemoryError"
    "-Djdk.nio.maxCachedBufferSize=1024" "-Dio.netty.tryReflectionSetAccessible=true"
    "-Dlog4j2.disable.jmx=true"
    "--add-opens=java.base/java.nio=ALL-UNNAMED"
    "--add-opens=java.base/java.io=ALL-UNNAMED"
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
    "-Dredthread.pagecache=${NEO4J_PAGECACHE:-256m}"
    "-Dredthread.txmax=${NEO4J_TX_MAX:-256m}"
    "-Dredthread.txtotal=${NEO4J_TX_TOTAL:-512m}"
    "-Dredthread.txtimeout=${NEO4J_TX_TIMEOUT:-120s}"
  )
  if [ -n "${NEO4J_JAVA_OPTS:-}" ]; then
    local -a extra
    read -r -a extra <<<"$NEO4J_JAVA_OPTS"
    jvm+=("${extra[@]}")
  fi
  say "starting on 127.0.0.1:$port (data $data, log $LOG_FILE)"

  # A new session (setsid) so Ctrl-C in the terminal or make does not reach it;
  # the child writes its own pid, then becomes java. fd 9 (the lock) is closed.
  local -a detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  # shellcheck disable=SC2016 # $$, $1 and $@ belong to the inner bash
  ${detach[@]+"${detach[@]}"} bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$java" "${jvm[@]}" -cp "$TARGET/classes:$TARGET/lib/*" Launcher "$data" "$port" \
    </dev/null >"$LOG_FILE" 2>&1 9>&- &

  local limit="${NEO4J_START_TIMEOUT:-120}" started=$SECONDS
  while :; do
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      last_log
      cleanup
      die "Neo4j exited during start-up (see the log above, full log in $LOG_FILE)"
    fi
    if grep -q "$READY_MARK" "$LOG_FILE" 2>/dev/null && port_open "$port"; then
      break
    fi
    if grep -q "REDTHREAD-NEO4J FAILED" "$LOG_FILE" 2>/dev/null; then
      [ -n "$pid" ] && terminate "$pid"
      last_log
      cleanup
      die "Neo4j failed to start (see the log above)"
    fi
    if [ $((SECONDS - started)) -ge "$limit" ]; then
      [ -n "$pid" ] && terminate "$pid"
      last_log
      cleanup
      die "Neo4j was not ready after ${limit}s (NEO4J_START_TIMEOUT); stopped it"
    fi
    sleep 0.2
  done
  echo "NEO4J_URI=$(uri)" >"$ENV_FILE"
  say "ready in $((SECONDS - started))s (pid $pid)"
  echo "NEO4J_URI=$(uri)"
}

cmd_stop() {
  lock
  local pid
  pid="$(our_pid)"
  if [ -z "$pid" ]; then
    [ -f "$PID_FILE" ] && say "removing the stale pid file (the instance is already gone)"
    cleanup
    say "not running"
    return 0
  fi
  say "stopping (pid $pid)"
  local started=$SECONDS
  terminate "$pid"
  cleanup
  say "stopped in $((SECONDS - started))s"
}

# cmd_import runs Neo4j's own importer, from the same Maven Central jars as
# the launcher, on a data directory laid out as the launcher's (the launcher's
# home directory holds data/databases and data/transactions).
cmd_import() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: $0 import DIR (the --out directory of redthread neo4j-import)"
  dir="$(cd "$dir" 2>/dev/null && pwd)" || die "import: no directory $1"
  [ -f "$dir/import.args" ] || die "import: $dir/import.args is missing: write the files with redthread neo4j-import --out $dir"
  [ "${NEO4J_TMP_DATA:-0}" = 1 ] && die "import: NEO4J_TMP_DATA=1 would throw the imported database away at start; set NEO4J_DATA_DIR"
  lock
  [ -z "$(our_pid)" ] || die "import: Neo4j is running on $STATE_DIR; stop it first (the importer writes a new database)"
  build
  local data="${NEO4J_DATA_DIR:-$STATE_DIR/data}"
  mkdir -p "$data"
  data="$(cd "$data" && pwd)"
  local -a overwrite=()
  if [ -n "$(ls -A "$data/data/databases/neo4j" 2>/dev/null)" ]; then
    [ "${NEO4J_IMPORT_OVERWRITE:-0}" = 1 ] || die "import: $data already holds a database neo4j; set NEO4J_IMPORT_OVERWRITE=1 to replace it"
    overwrite=(--overwrite-destination)
  fi
  local conf="$STATE_DIR/import-conf"
  mkdir -p "$conf"
  printf 'server.directories.data=%s/data\nserver.directories.logs=%s/logs\n' "$data" "$STATE_DIR" >"$conf/neo4j.conf"
  local java started=$SECONDS
  java="$(java_bin)"
  say "importing $dir into $data"
  NEO4J_HOME="$data" NEO4J_CONF="$conf" "$java" -Xmx"${NEO4J_HEAP:-1g}" \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -cp "$TARGET/lib/*" org.neo4j.cli.AdminTool database import full \
    --max-off-heap-memory="${NEO4J_IMPORT_MEMORY:-2g}" --report-file="$STATE_DIR/import.report" \
    ${overwrite[@]+"${overwrite[@]}"} ${NEO4J_IMPORT_OPTS:-} "@$dir/import.args" neo4j >&2 \
    || die "import failed (report in $STATE_DIR/import.report)"
  say "imported in $((SECONDS - started))s"
}

cmd_status() {
  local pid
  pid="$(our_pid)"
  if [ -n "$pid" ]; then
    echo "running (pid $pid, data $(info data), log $LOG_FILE)"
    echo "NEO4J_URI=$(uri)"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  import) shift; cmd_import "$@" ;;
  *) echo "usage: $0 start|stop|status|restart|import DIR" >&2; exit 2 ;;
esac
