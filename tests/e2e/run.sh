#!/usr/bin/env bash
# End-to-end suite of the desktop app: builds the app (UI embedded), tern-server
# and tern-cli, then drives the real app window (WebKitGTK through tauri-driver
# and WebKitWebDriver) under Xvfb against a real server and a tern-cli user.
#
# Needs the Debian packages from scripts/deps.sh (libwebkit2gtk-4.1-dev, xvfb,
# webkit2gtk-driver, ...); installs npm packages and tauri-driver when missing.
# Honours CARGO_TARGET_DIR. Usage: tests/e2e/run.sh [screenshots]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
mode=${1:-test}

for tool in xvfb-run WebKitWebDriver node npm cargo; do
  command -v "$tool" >/dev/null || { echo "e2e: '$tool' is missing (run scripts/deps.sh test)" >&2; exit 2; }
done

if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  echo "e2e: npm install in ui/ (npm ci rejects the lock; see scripts/deps.sh)" >&2
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
fi
if ! command -v tauri-driver >/dev/null; then
  echo "e2e: cargo install tauri-driver" >&2
  cargo install tauri-driver --locked --quiet
fi
export PATH="$HOME/.cargo/bin:$PATH"

echo "e2e: building the UI, the app, tern-server and tern-cli" >&2
npm --prefix ui run build --silent >/dev/null
cargo build --quiet -p tern-desktop --features tauri/custom-protocol
cargo build --quiet -p tern-server -p tern-cli

export TERN_BIN_DIR="$CARGO_TARGET_DIR/debug"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
# Each run gets its own HOME-like dirs so nothing leaks between runs.
export XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
XDG_DATA_HOME=$(mktemp -d); XDG_CACHE_HOME=$(mktemp -d); XDG_CONFIG_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" 2>/dev/null || true' EXIT

case "$mode" in
  test) script=tests/e2e/app.e2e.mjs ;;
  screenshots) script=tests/e2e/screenshots.mjs ;;
  *) echo "usage: $0 [test|screenshots]" >&2; exit 2 ;;
esac
xvfb-run -a -s "-screen 0 1400x900x24" node "$root/$script"
