#!/bin/sh
# Runs bench/path-bench.ts as root: compiles it (and the path runner it drives) with tsc into
# a private directory, then runs it with plain node. Results: bench/results/path-bench.json.
set -eu
cd "$(dirname "$0")/.."
out="node_modules/.cache/smtprobe-netns/bench-$$"
npx tsc -p test/netns/tsconfig.json --outDir "$out" || test -f "$out/bench/path-bench.js"
trap 'rm -rf "$out"' EXIT
node "$out/bench/path-bench.js"
