#!/usr/bin/env bash
# The UI's checks: svelte-check type check (warnings fail) and Vitest unit tests
# with mocked IPC. (The bindings' freshness is checked by `cargo test -p tern-desktop`.)
set -euo pipefail
cd "$(dirname "$0")/.."
npm --prefix ui run check
npm --prefix ui test
