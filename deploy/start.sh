#!/usr/bin/env bash
# The README's main command (`npm start`): installs what is missing, starts the local stack, builds,
# creates the topics, registers the schemas and proves the path with one Avro trade.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash deploy/setup.sh
bash deploy/local/stack-up.sh
npx nx run-many -t build --outputStyle=static >/dev/null
node apps/producer/dist/main.js init
node apps/producer/dist/main.js smoke
