#!/usr/bin/env bash
# Real Exim, Dovecot submission and OpenSMTPD for the test suite, without installing them:
# Debian's exim4 and opensmtpd conflict with postfix as packages (all are mail-transport-agent),
# so the .debs are downloaded and unpacked (dpkg -x) into a private prefix, and the tests run
# them from there under their own configuration and spool on loopback ports. Also unpacks the
# shared libraries they need that may not be installed (libidn12 for Exim; libsodium23,
# libunwind8 for Dovecot; OpenSMTPD needs only libraries a Debian system has: libevent, libdb,
# libssl, libpam). Compiled-in paths (Dovecot's /usr/bin/doveconf and /usr/lib/dovecot;
# OpenSMTPD's /var/spool/smtpd, /var/lib/opensmtpd/empty and /run/smtpd.sock) are provided by
# the test harnesses in private mount namespaces (test/support/dovecot.ts, opensmtpd.ts);
# nothing is written outside the prefix except the system users the daemons drop to.
# Usage: scripts/fetch-real-mtas.sh [prefix]   (default: $SMTPROBE_MTA_PREFIX or /tmp/smtprobe-mtas)
set -euo pipefail
prefix="${1:-${SMTPROBE_MTA_PREFIX:-/tmp/smtprobe-mtas}}"
debs="$(mktemp -d)"
trap 'rm -rf "$debs"' EXIT
mkdir -p "$prefix"
cd "$debs"
# apt-get download runs as _apt when it can; let it write here.
chmod 0777 "$debs"
apt-get download -q exim4-daemon-light exim4-base exim4-config libidn12 \
  dovecot-core dovecot-submissiond libsodium23 libunwind8 \
  opensmtpd libevent-2.1-7 >/dev/null
for f in ./*.deb; do dpkg -x "$f" "$prefix"; done
# Exim looks up its compiled-in user by name at start; Dovecot runs its unprivileged
# processes as dovecot (internal services) and dovenull (login processes).
for u in Debian-exim dovecot dovenull; do
  id "$u" >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done
# OpenSMTPD's unprivileged processes run as opensmtpd, its queue as opensmtpq (the names
# Debian's build has compiled in; its postinst creates them with their own groups).
for u in opensmtpd opensmtpq; do
  id "$u" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /var/lib/opensmtpd/empty --shell /usr/sbin/nologin "$u"
done
echo "Exim, Dovecot and OpenSMTPD unpacked in $prefix"
