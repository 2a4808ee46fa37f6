#!/usr/bin/env bash
# Real Exim and Dovecot submission for the test suite, without installing them: Debian's exim4
# conflicts with postfix as a package, so the .debs are downloaded and unpacked (dpkg -x) into a
# private prefix, and the tests run them from there under their own configuration and spool on
# loopback ports. Also unpacks the shared libraries they need that are not installed.
# Usage: scripts/fetch-real-mtas.sh [prefix]   (default: $SMTPROBE_MTA_PREFIX or /tmp/smtprobe-mtas)
set -euo pipefail
prefix="${1:-${SMTPROBE_MTA_PREFIX:-/tmp/smtprobe-mtas}}"
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
mkdir -p "$prefix"
cd "$debs"
# apt-get download runs as _apt when it can; let it write here.
chmod 0777 "$debs"
apt-get download -q exim4-daemon-light exim4-base exim4-config dovecot-core dovecot-submissiond libidn12 >/dev/null
for f in ./*.deb; do dpkg -x "$f" "$prefix"; done
# Exim looks up its compiled-in user by name at start.
id Debian-exim >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
# Dovecot runs its unprivileged processes as these.
id dovecot >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dovecot
id dovenull >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dovenull
echo "real MTAs unpacked in $prefix"
