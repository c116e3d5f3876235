#!/usr/bin/env bash
# The README's test command (`npm test`): installs what is missing, starts the local stack (unless it
# is already up, in which case it is left running), then lint, typecheck, build and every test, unit
# and integration. A stack this script started is stopped at the end, also when tests fail.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

bash deploy/setup.sh

started_stack=0
if ! { [ -f .stack/kafka.pid ] && kill -0 "$(cat .stack/kafka.pid)" 2>/dev/null; }; then started_stack=1; fi
cleanup() { [ "$started_stack" = 1 ] && bash deploy/local/stack-down.sh || true; }
trap cleanup EXIT
bash deploy/local/stack-up.sh

echo "[test] lint, typecheck, build"
npx nx run-many -t lint typecheck build --outputStyle=static
# Tests and benchmarks belong to no Nx project: check them from the root as well.
npx tsc -p tsconfig.json
npx eslint test bench

echo "[test] unit and integration tests"
mkdir -p .stack
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.stack/vitest-report.json "$@" || status=$?
if [ -f .stack/vitest-report.json ]; then
  # One plain closing line that any CI reader understands.
  node -e '
    const r = require(process.argv[1]);
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$ROOT/.stack/vitest-report.json"
fi
exit $status
