#!/usr/bin/env bash
# Stops the local stack started by stack-up.sh. Harmless when nothing runs. Data stays in .stack/
# (pass --wipe to delete the broker's data and start from an empty cluster next time).
# `stack-down.sh kafka` stops only the broker (fault tests restart it while the registry keeps its
# in-memory schemas); `stack-up.sh` then starts what is missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
what=all
wipe=0
for arg in "$@"; do
  case "$arg" in
    --wipe) wipe=1 ;;
    kafka | registry) what=$arg ;;
    *) die "usage: stack-down.sh [kafka|registry] [--wipe]" ;;
  esac
done
[ "$what" = kafka ] || stop_pid "schema registry" "$STACK/registry.pid"
[ "$what" = registry ] || stop_pid "kafka" "$STACK/kafka.pid"
if [ "$wipe" = 1 ]; then
  rm -rf "$STACK/kafka/data" "$STACK/kafka/cluster.id"
  log "wiped broker data"
fi
log "down${what:+ ($what)}"
