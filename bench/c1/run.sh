#!/usr/bin/env bash
# C1 (issue 10): the desktop app's cold start to the conversation list (after typing
# the password, and for a remembered account: issue 21) and its idle
# memory (PSS of the app + WebKitWebProcess + WebKitNetworkProcess) next to a
# hello-world Tauri app (bench/c1/hello), both under the same Xvfb and private
# D-Bus session, launched the same way (tauri-driver); then Tern in tray mode (window
# closed to a fake tray host and freed); and C3: a chat of 100,000 messages
# opened in the app, click -> first frame painted with its newest messages, read
# from the UI's performance marks. See bench/c1/measure.mjs and docs/benchmarks.md.
#
# Usage: bench/c1/run.sh [--release] [--no-build]
#   --release: both apps (and tern-tray) in the `app` profile (Cargo.toml: the .deb's), tern-server
#   and tern-cli in `release`
#   CARGO_TARGET_DIR   where the app, tern-server, tern-cli and the hello app are built
#                      (default $HOME/.cache/tern/target, as tests/e2e/run.sh)
#   C1_RUNS (3) C1_IDLE_SECS (10) C1_FRIENDS (10) C1_MESSAGES (5) C1_TRAY_FREE_SECS (2)
#   C3_MESSAGES (100000: the C3 chat's size) C3_ONLY (set: run C3 alone) C3_MARKS (set: print the
#   page's performance marks after the click, each run)
#   C1_TERN_ENV='K=V ...' (more environment for Tern's launches only, e.g. JSC_useJIT=1: the web
#   engine's JIT back on, src-tauri/engine.rs)
#   C1_SHOT=DIR (a screenshot of each app's idle window, before its memory is read)
#   C1_SNAPSHOT=FILE (Tern's idle screen saved as a static page: its DOM and every style rule, no
#   script; shown by the hello-world app in place of its page, it separates the page's cost from the
#   JavaScript's: docs/benchmarks.md)
#   C1_VERBOSE (the apps' stderr; tray mode: PSS just after the trim, largest mappings)
#   C1_MAPS_DIR=DIR (each measured process: PSS per mapping, one .tsv per process and reading)
#   C3_PERF=FILE (C3: perf records the whole machine, cpu-clock with call graphs, from 300 ms before
#   the click for 1 s, into FILE)
#   C1_PERF_FAULTS=FILE (tray mode: perf records the app's page faults for 12 s into FILE)
# Needs what tests/e2e/run.sh needs (xvfb-run, WebKitWebDriver, tauri-driver, node, npm).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
profile=debug build=1
for a in "$@"; do
  case "$a" in
    --release) profile=release ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--release] [--no-build]" >&2; exit 2 ;;
  esac
done
cargo_profile=() app_profile=() app_dir=debug
[ "$profile" = release ] && cargo_profile=(--release) app_profile=(--profile app) app_dir=app
export PATH="$HOME/.cargo/bin:$PATH"
for tool in xvfb-run WebKitWebDriver tauri-driver node dbus-run-session gnome-keyring-daemon; do
  command -v "$tool" >/dev/null || { echo "c1: '$tool' is missing (run scripts/deps.sh test)" >&2; exit 2; }
done

if [ "$build" = 1 ]; then
  echo "c1: building the UI, the app ($profile, UI embedded), tern-server, tern-cli and the hello-world app" >&2
  npm --prefix ui run build --silent >/dev/null
  cargo build --quiet "${app_profile[@]}" -p tern-desktop --features tauri/custom-protocol
  cargo build --quiet "${app_profile[@]}" -p tern-tray
  cargo build --quiet "${cargo_profile[@]}" -p tern-server -p tern-cli
  # Its own workspace (and a copy of the root Cargo.lock): same dependency versions,
  # same target dir, so the compiled tauri stack is shared with the app's build.
  (cd bench/c1/hello && cargo build --quiet "${app_profile[@]}" --features tauri/custom-protocol)
fi

# The apps and tern-tray (found beside tern); tern-server and tern-cli.
export C1_BIN_DIR="$CARGO_TARGET_DIR/$app_dir" C1_TOOLS_DIR="$CARGO_TARGET_DIR/$profile"
for b in "$C1_BIN_DIR"/{tern,tern-tray,tern-c1-hello} "$C1_TOOLS_DIR"/{tern-server,tern-cli}; do
  [ -x "$b" ] || { echo "c1: $b is missing (run without --no-build)" >&2; exit 2; }
done
echo "c1: $profile build, apps in $C1_BIN_DIR, tern-server and tern-cli in $C1_TOOLS_DIR (tern built $(date -u -r "$C1_BIN_DIR/tern" +%H:%M) UTC); HEAD $(git rev-parse --short HEAD); load: $(cut -d' ' -f1-3 /proc/loadavg)"
export WEBKIT_DISABLE_DMABUF_RENDERER=1
export XDG_DATA_HOME XDG_CACHE_HOME XDG_CONFIG_HOME
XDG_DATA_HOME=$(mktemp -d); XDG_CACHE_HOME=$(mktemp -d); XDG_CONFIG_HOME=$(mktemp -d)
# A private session bus with a real Secret Service (gnome-keyring-daemon, unlocked
# "login" keyring in a throw-away HOME, as the e2e keyring suite) for the
# remembered-account start, and no notification server.
C1_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$C1_HOME" 2>/dev/null || true' EXIT
HOME=$C1_HOME dbus-run-session --config-file="$root/tests/e2e/bus-empty.conf" -- bash -c '
  echo -n c1-keyring-pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  exec xvfb-run -a -s "-screen 0 1400x900x24" node "$1"' _ "$root/bench/c1/measure.mjs"
echo "c1: load after: $(cut -d' ' -f1-3 /proc/loadavg)"
