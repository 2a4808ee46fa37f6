#!/bin/sh
# npm run setup:system — install the Debian packages the real-server test suites (Postfix,
# Prometheus, OpenSSL, network namespaces) and the benchmarks need: the list in
# .ci/system-packages, which CI installs the same way. Without them `npm test` still passes
# locally; it skips those suites and names the missing package.
set -eu
cd "$(dirname "$0")/.."
packages=$(sed -e 's/#.*//' .ci/system-packages | tr -s ' \t\n' ' ')
sudo=''
if [ "$(id -u)" -ne 0 ]; then sudo='sudo'; fi
export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to deliver mail; the tests run their own instance, so: no configuration.
echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
$sudo apt-get update -qq
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "setup:system: installed $packages"
