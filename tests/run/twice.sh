#!/usr/bin/env bash
# scripts/run.sh builds incrementally: two consecutive `scripts/run.sh --build-only`
# runs, and the second compiles nothing. (Issue 23: each run used to rebuild the
# desktop crate because ui/dist was rewritten, and its `-p tern-server` build
# used other features than the test build's, so it did not reuse its artefacts.)
# Run after tests/e2e/run.sh, the first run is a no-op for the server as well.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TERM_COLOR=never
first=$(scripts/run.sh --build-only 2>&1) || { echo "$first"; exit 1; }
echo "run.sh (1st): $(grep -c '^ *Compiling ' <<<"$first" || true) crates compiled"
second=$(scripts/run.sh --build-only 2>&1) || { echo "$second"; exit 1; }
if grep -E '^ *Compiling |ui: updated' <<<"$second"; then
  echo "FAIL: the second scripts/run.sh rebuilt the above" >&2
  exit 1
fi
echo "run.sh (2nd): nothing compiled, ui/dist untouched: passed"
