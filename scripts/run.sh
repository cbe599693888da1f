#!/usr/bin/env bash
# Builds Tern and runs the main job: a local tern-server (embedded SQLite in
# ~/.local/share/tern-server) unless one already answers, plus the desktop app
# pointed at it. Without a display the app runs under Xvfb.
# Env: TERN_PORT (default 7878), TERN_DATA_DIR. `--build-only`: build, do not run.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
port=${TERN_PORT:-7878}
data=${TERN_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/tern-server}

scripts/deps.sh build
command -v xvfb-run >/dev/null || [ -n "${DISPLAY:-}" ] || scripts/deps.sh test
scripts/build-app.sh
# The same package set, features, profile and target dir as the end-to-end
# suite's build (tests/e2e/run.sh), so after a test run this is a no-op;
# tern-tray is the process the app becomes in tray mode (found next to `tern`).
cargo build --locked -p tern-server -p tern-cli -p tern-tray
[ "${1:-}" = "--build-only" ] && exit 0

server_pid=""
if curl -sf "http://127.0.0.1:$port/health" >/dev/null; then
  echo "run: using the tern-server already on port $port"
else
  mkdir -p "$data"
  "$CARGO_TARGET_DIR/debug/tern-server" --listen "127.0.0.1:$port" --data-dir "$data" &
  server_pid=$!
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait' EXIT
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
  echo "run: tern-server on 127.0.0.1:$port, data in $data"
fi

export TERN_SERVER_URL="ws://127.0.0.1:$port"
app="$CARGO_TARGET_DIR/debug/tern"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  "$app"
else
  echo "run: no display; running the app under Xvfb (stop with Ctrl+C)"
  xvfb-run -a "$app"
fi
