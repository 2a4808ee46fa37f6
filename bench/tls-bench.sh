#!/bin/sh
# Runs bench/tls-bench.ts: compiles it (and the TLS modules it drives) with tsc into a private
# directory, then runs it with plain node. Results: bench/results/tls-bench.json.
set -eu
cd "$(dirname "$0")/.."
out="node_modules/.cache/smtprobe-bench/tls-$$"
trap 'rm -rf "$out"' EXIT
npx tsc -p bench/tls-tsconfig.json --outDir "$out"
node "$out/bench/tls-bench.js"
