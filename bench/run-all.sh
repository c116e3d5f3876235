#!/usr/bin/env bash
# `npm run bench`: every benchmark in one go (under 15 minutes on 2 cores), each printing a table,
# collected with the machine's facts into bench/RESULTS.md. Ratios inside each table are against a
# baseline measured in the same run, since the machine is shared and absolute figures wander.
# `npm run bench -- producer compactor` runs only those.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
bash deploy/setup.sh
bash deploy/local/stack-up.sh
# The processor benches run the built app (apps/processor/dist), as production does.
npx nx run-many -t build --outputStyle=static

all=(producer streams processor compactor)
selected=("${@:-${all[@]}}")
out=bench/RESULTS.md
tmp=$(mktemp)
{
  echo "# Benchmark results"
  echo
  echo "Produced by \`npm run bench\` on $(date -u +%Y-%m-%dT%H:%MZ)."
  echo
  echo "| machine | |"
  echo "| --- | --- |"
  echo "| cpu | $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) |"
  echo "| memory | $(free -g | awk '/Mem:/ {print $2}') GiB |"
  echo "| node | $(node --version) |"
  echo "| broker | Apache Kafka 4.1.1 (KRaft, one node, local stack) |"
  echo "| librdkafka | $(node -e "console.log(require('@confluentinc/kafka-javascript').librdkafkaVersion)") |"
  echo
} >"$tmp"
for b in "${selected[@]}"; do
  # Every top-level .ts file of bench/<area>/ is a benchmark; shared helpers live in subfolders, and
  # worker.ts files are child-process entries that a benchmark starts itself.
  for script in bench/"$b"/*.ts; do
    [ -f "$script" ] || continue
    [ "$(basename "$script")" = worker.ts ] && continue
    echo "[bench] $script"
    {
      echo "## $script"
      echo
      echo '```'
      echo "node --conditions=source --import tsx $script"
      echo '```'
      echo
    } >>"$tmp"
    node --conditions=source --import tsx "$script" | tee -a "$tmp"
    echo >>"$tmp"
  done
done
echo "All benchmarks (with set-up, stack check and build) took ${SECONDS} s." >>"$tmp"
mv "$tmp" "$out"
echo "[bench] results in $out"
