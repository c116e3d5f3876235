#!/usr/bin/env bash
# Installs what this checkout needs and the machine lacks, idempotently: the Debian -dev packages
# that the native addons build against, a JDK and Maven for the local stack, and the npm packages.
# `npm start` and `npm test` both run it first, so a fresh clone needs no other step.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
say() { echo "[setup] $*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# librdkafka is built from source (its prebuilt binary cannot be downloaded everywhere); without
# these headers it builds anyway but silently lacks zstd/lz4/SASL support.
# prometheus: the observability test runs a real one against the apps (promtool checks the config).
debs=(zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev build-essential python3 curl prometheus)
missing=()
for p in "${debs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp=node_modules/.candlestream-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  say "installing npm packages (builds librdkafka from source: about 2-3 minutes the first time)"
  CKJS_LINKING=dynamic npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# A librdkafka built before the headers were present lacks zstd: rebuild it rather than run without.
if ! node -e "process.exit(require('@confluentinc/kafka-javascript').features.includes('zstd') ? 0 : 1)"; then
  say "rebuilding @confluentinc/kafka-javascript with zstd support"
  CKJS_LINKING=dynamic npm rebuild @confluentinc/kafka-javascript --loglevel=error
fi
say "ready"
