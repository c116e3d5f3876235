#!/usr/bin/env bash
# The README's main command (`npm start`): installs what is missing, starts the local stack, builds,
# creates the topics and registers the schemas, then runs the whole pipeline (deploy/local/run-pipeline.mjs)
# until Ctrl-C.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash deploy/setup.sh
bash deploy/local/stack-up.sh
echo "[start] building"
npx nx run-many -t build --outputStyle=static >/dev/null
node apps/producer/dist/main.js init >/dev/null
exec node deploy/local/run-pipeline.mjs
