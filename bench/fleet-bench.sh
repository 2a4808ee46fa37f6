#!/bin/sh
# Runs bench/fleet-bench.ts as root: builds the project (npm run build), compiles it with tsc into a private directory
# (inside the repository, so node_modules resolve), then runs it with plain node.
# Usage: sh bench/fleet-bench.sh [smtprobe] [peers] [cli] [10k] [ab] [compare] [up]   (default: the first four)
# Needs (Debian): postfix sasl2-bin libsasl2-modules swaks monitoring-plugins-basic
#                 prometheus-blackbox-exporter libnet-ssleay-perl (swaks TLS); `compare` also wrk,
#                 time (GNU time) and python3.
#                 Results: bench/results/fleet-bench.json (fleet-compare.json).
set -eu
cd "$(dirname "$0")/.."
npm run --silent build          # the executable the `cli` section times (dist/bin, as npm ci makes it)
out="node_modules/.cache/smtprobe-fleet-bench/build-$$"
npx tsc -p tsconfig.json --outDir "$out" --declaration false --sourceMap false >/dev/null || test -f "$out/bench/fleet-bench.js"
trap 'rm -rf "$out"' EXIT
SMTPROBE_REPO="$(pwd)" node "$out/bench/fleet-bench.js" "$@"
