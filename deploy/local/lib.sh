# Shared by stack-up.sh and stack-down.sh: paths, versions and process helpers of the local stack.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK=${CANDLESTREAM_STACK_DIR:-$ROOT/.stack}
DEPLOY=$ROOT/deploy/local
# Jars fetched from Maven Central, shared by every stack of this checkout.
DOWNLOADS=$ROOT/.stack/downloads
# Overridable so that a test can run a second, throw-away stack beside the shared one. Keep them below
# Linux's ephemeral range (32768-60999): there, while the broker is down, a client retrying 127.0.0.1
# can end up connected to itself on the broker's port, and the restarted broker cannot bind it.
KAFKA_PORT=${CANDLESTREAM_KAFKA_PORT:-19092}
CONTROLLER_PORT=${CANDLESTREAM_CONTROLLER_PORT:-19093}
REGISTRY_PORT=${CANDLESTREAM_REGISTRY_PORT:-18081}
REGISTRY_VERSION=3.0.9
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

log() { echo "[stack] $*"; }
die() { echo "[stack] ERROR: $*" >&2; exit 1; }

# alive PIDFILE: true when the pid file names a running process.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_pid NAME PIDFILE: TERM, wait up to 30 s, then KILL; removes the pid file.
stop_pid() {
  local name=$1 pidfile=$2 pid
  if ! alive "$pidfile"; then rm -f "$pidfile"; return 0; fi
  pid=$(cat "$pidfile")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
}
