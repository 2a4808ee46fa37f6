#!/bin/sh
# Runs bench/limbo.ts (the credential gate against the x509-limbo suite, over real TLS): compiles
# it and the modules it drives with tsc into a private directory, then runs it with plain node.
# Usage: sh bench/limbo.sh LIMBO_JSON   Needs: openssl. Results: bench/results/limbo.json.
set -eu
[ $# -eq 1 ] || { echo "usage: sh bench/limbo.sh LIMBO_JSON (x509-limbo's limbo.json)" >&2; exit 2; }
suite="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
cd "$(dirname "$0")/.."
out="node_modules/.cache/smtprobe-bench/limbo-$$"
trap 'rm -rf "$out"' EXIT
npx tsc -p bench/limbo-tsconfig.json --outDir "$out"
SMTPROBE_REPO="$(pwd)" node "$out/bench/limbo.js" "$suite"
