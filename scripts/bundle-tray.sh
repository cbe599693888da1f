#!/usr/bin/env bash
# Tauri's beforeBundleCommand (tauri.conf.json): builds the tray-only program
# tern-tray in the profile of the app being bundled and puts it where the .deb's
# file list takes it from (target/tray-bundle/tern-tray -> /usr/bin/tern-tray).
# A release bundle built with `tauri build -- --profile P` sets TERN_APP_PROFILE=P
# (tests/deb/run.sh release: the `app` profile); default `release`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
if [ "${TAURI_ENV_DEBUG:-false}" = true ]; then
  cargo build --quiet --locked -p tern-tray
  profile=debug
else
  profile=${TERN_APP_PROFILE:-release}
  cargo build --quiet --locked --profile "$profile" -p tern-tray
fi
mkdir -p target/tray-bundle
cp "$target/$profile/tern-tray" target/tray-bundle/tern-tray
echo "bundle: tern-tray ($profile) -> target/tray-bundle/tern-tray" >&2
