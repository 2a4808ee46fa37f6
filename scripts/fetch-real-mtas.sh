#!/usr/bin/env bash
# Real Exim for the test suite, without installing it: Debian's exim4
# conflicts with postfix as a package, so the .debs are downloaded and unpacked (dpkg -x) into a
# private prefix, and the tests run it from there under its own configuration and spool on
# loopback ports. Also unpacks the shared library it needs that is not installed (libidn12).
# Usage: scripts/fetch-real-mtas.sh [prefix]   (default: $SMTPROBE_MTA_PREFIX or /tmp/smtprobe-mtas)
set -euo pipefail
prefix="${1:-${SMTPROBE_MTA_PREFIX:-/tmp/smtprobe-mtas}}"
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
mkdir -p "$prefix"
cd "$debs"
# apt-get download runs as _apt when it can; let it write here.
chmod 0777 "$debs"
apt-get download -q exim4-daemon-light exim4-base exim4-config libidn12 >/dev/null
for f in ./*.deb; do dpkg -x "$f" "$prefix"; done
# Exim looks up its compiled-in user by name at start.
id Debian-exim >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
echo "Exim unpacked in $prefix"
