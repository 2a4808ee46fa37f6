#!/usr/bin/env bash
# npm run build:exe — smtprobe.exe, a Windows single executable (Node's single executable
# applications): the pinned Windows Node with the bundled CLI (dist/bin/smtprobe-main.cjs)
# injected as its main script, for a server with no Node at all. Built on Linux: the blob is
# written by the Linux Node of the same version, injected with postject (devDependency).
# Output: dist-exe/smtprobe.exe (outside dist/, so the npm package does not carry 70 MB).
#
# What the executable lacks, by design: the raw-socket ICMP backend (native, not bundled; `check`
# pings with Windows' ping, `path` says what it needs), the OAuth token libraries (loaded from
# node_modules: use --token-env/--token-file with a token fetched elsewhere), and the files the
# npm package ships next to the code (bundled mock scenarios, JSON Schemas).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/windows-node.sh

[ -f dist/bin/smtprobe-main.cjs ] || npm run build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
win_node=$(fetch_win_node "$work/win")
linux_node=$(linux_node_same_version "$work/linux")

cat >"$work/sea-config.json" <<JSON
{ "main": "$(pwd)/dist/bin/smtprobe-main.cjs", "output": "$work/sea-prep.blob", "disableExperimentalSEAWarning": true }
JSON
"$linux_node" --experimental-sea-config "$work/sea-config.json" >"$work/blob.log" 2>&1 || { cat "$work/blob.log" >&2; exit 1; }

mkdir -p dist-exe
cp "$win_node" dist-exe/smtprobe.exe.tmp
# The fuse is the sentinel Node's SEA support looks for (node/src/node_sea.cc). postject warns
# "The signature seems corrupted!": node.exe's Authenticode signature no longer matches once
# the blob is in (expected; README: sign it with your own certificate where policy asks).
npx --no-install postject dist-exe/smtprobe.exe.tmp NODE_SEA_BLOB "$work/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >"$work/postject.log" 2>&1 || { cat "$work/postject.log" >&2; exit 1; }
mv dist-exe/smtprobe.exe.tmp dist-exe/smtprobe.exe
echo "build:exe: dist-exe/smtprobe.exe ($(du -h dist-exe/smtprobe.exe | cut -f1), Node $WIN_NODE_VERSION for Windows x64)"
