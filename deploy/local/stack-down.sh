#!/usr/bin/env bash
# Stops the local stack started by stack-up.sh. Harmless when nothing runs. Data stays in .stack/
# (pass --wipe to delete the broker's data and start from an empty cluster next time).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
stop_pid "schema registry" "$STACK/registry.pid"
stop_pid "kafka" "$STACK/kafka.pid"
if [ "${1:-}" = "--wipe" ]; then
  rm -rf "$STACK/kafka/data" "$STACK/kafka/cluster.id"
  log "wiped broker data"
fi
log "down"
