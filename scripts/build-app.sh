#!/usr/bin/env bash
# Builds the desktop app (debug profile) with the UI embedded: ui/dist (left
# untouched when the UI did not change, see build-ui.sh), then the `tern` binary
# with tauri's custom-protocol feature.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
scripts/build-ui.sh
cargo build --locked -p tern-desktop --features tauri/custom-protocol
