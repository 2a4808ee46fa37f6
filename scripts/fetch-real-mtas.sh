#!/usr/bin/env bash
# Real Exim, Dovecot submission and OpenSMTPD for the test suite, without installing them:
# Debian's exim4 and opensmtpd conflict with postfix as packages (all are mail-transport-agent),
# so the .debs are downloaded and unpacked (dpkg -x) into a private prefix, and the tests run
# them from there under their own configuration and spool on loopback ports. Also unpacks the
# shared libraries they need that may not be installed (libidn12 for Exim; libsodium23,
# libunwind8 for Dovecot; libevent-2.1-7 for OpenSMTPD, whose other libraries every Debian
# system has). Compiled-in paths (Dovecot's /usr/bin/doveconf and /usr/lib/dovecot;
# OpenSMTPD's /var/spool/smtpd, /var/lib/opensmtpd/empty and /run/smtpd.sock) are provided by
# the test harnesses in private mount namespaces (test/support/dovecot.ts, opensmtpd.ts);
# nothing is written outside the prefix except the system users the daemons drop to. Needs a C
# compiler and libssl-dev for the one OpenSMTPD shim it builds (see below).
# Haraka 3 is an npm package (a whole server, not a dependency of smtprobe, so not in
# package.json): the pinned release is installed into <prefix>/haraka with npm, without its
# install scripts (the only one builds modern-syslog for the syslog plugin, which the tests do
# not load). test/support/haraka.ts runs it with the Node that runs the tests.
# Usage: scripts/fetch-real-mtas.sh [prefix]   (default: $SMTPROBE_MTA_PREFIX or /tmp/smtprobe-mtas)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
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
  getent group "$u" >/dev/null || groupadd --system "$u"
  id "$u" >/dev/null 2>&1 || useradd --system --gid "$u" --no-create-home --home-dir /var/lib/opensmtpd/empty --shell /usr/sbin/nologin "$u"
done
# Debian 12's OpenSMTPD 6.8 cannot sign a TLS handshake under OpenSSL 3 (every STARTTLS ends in
# alert internal_error). The suite runs it as it is, and also with the key fix of OpenSMTPD 7.3
# preloaded (test/support/opensmtpd-openssl3-key.c) for the cases that need TLS to work.
mkdir -p "$prefix/usr/lib/smtprobe"
cc -shared -fPIC -O2 -Wno-deprecated-declarations -o "$prefix/usr/lib/smtprobe/opensmtpd-openssl3-key.so" \
  "$here/test/support/opensmtpd-openssl3-key.c" -ldl -lcrypto
echo "Exim, Dovecot and OpenSMTPD unpacked in $prefix"

# Keep equal to HARAKA_VERSION in test/support/haraka.ts. Some of its dependencies declare
# Node >= 22 (npm warns EBADENGINE on 20); what the suite runs works on 20, and the suite is
# the check, so those warnings are left out of the log.
haraka_version=3.3.4
npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error \
  --prefix "$prefix/haraka" "Haraka@$haraka_version" >/dev/null
echo "Haraka $haraka_version installed in $prefix/haraka"
