#!/usr/bin/env bash
# Tauri's beforeBundleCommand (tauri.conf.json): builds the tray-only program
# tern-tray in the profile of the app being bundled and puts it where the .deb's
# file list takes it from (target/tray-bundle/tern-tray -> /usr/bin/tern-tray).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
if [ "${TAURI_ENV_DEBUG:-false}" = true ]; then
  cargo build --quiet --locked -p tern-tray
  profile=debug
else
  cargo build --quiet --locked --release -p tern-tray
  profile=release
fi
mkdir -p target/tray-bundle
cp "$target/$profile/tern-tray" target/tray-bundle/tern-tray
echo "bundle: tern-tray ($profile) -> target/tray-bundle/tern-tray" >&2
