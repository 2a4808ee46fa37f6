#!/bin/sh
# Runs bench/soak.ts as root: builds the project (the `cli` section runs dist/bin), compiles the
# script with tsc into a private directory inside the repository, then runs it with plain node.
# Usage: sh bench/soak.sh [cli] [soak]     (default: both). Needs (Debian): postfix sasl2-bin libsasl2-modules.
set -eu
cd "$(dirname "$0")/.."
npm run --silent build
out="node_modules/.cache/smtprobe-soak/build-$$"
npx tsc -p tsconfig.json --outDir "$out" --declaration false --sourceMap false >/dev/null || test -f "$out/bench/soak.js"
trap 'rm -rf "$out"' EXIT
SMTPROBE_REPO="$(pwd)" node "$out/bench/soak.js" "$@"
