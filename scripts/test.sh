#!/usr/bin/env bash
# Runs every Tern check: formatting, lints, unit and integration tests of all
# crates, the UI's type check and unit tests, and the end-to-end suite in the
# real app window. Installs what it needs first. Exit status 0 means all passed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
start=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$*" $((SECONDS - start)); }

step "dependencies"
scripts/deps.sh test

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "module graph: no import cycle between sibling modules (tern-server, tern-proto, tern-cli, tern-core, tern-tray, the app's src-tauri)"
scripts/module-cycles.py crates/server/src
scripts/module-cycles.py crates/proto/src
scripts/module-cycles.py crates/cli/src
scripts/module-cycles.py crates/core/src
scripts/module-cycles.py crates/tray/src
scripts/module-cycles.py src-tauri

# The PostgreSQL-only tests (crates/server/tests/it/multi_process.rs: four
# tern-server processes on one database, one SIGKILLed mid-stream, 10,000
# messages; database_outage.rs: PostgreSQL stopped and frozen under load, on a
# PostgreSQL of the test's own) run once, in the PostgreSQL pass below.
pg_only=(--skip four_processes_on_one_database --skip database_answers_unavailable)

step "cargo test (all crates; the PostgreSQL-only tests come with the next step)"
cargo test --workspace --locked -- "${pg_only[@]}"

step "the server, tern-core and tern-cli suites again on PostgreSQL (throw-away pg_virtualenv cluster), with the 4-process crash test and the database-outage tests"
scripts/test-postgres.sh -p tern-server -p tern-core -p tern-cli --locked

step "the server's two-user suites as a two-node cluster (PostgreSQL + nats-server, users on different nodes)"
scripts/test-cluster.sh

step "admin API: schemathesis against the served OpenAPI document (every operation, all checks; fixed seed, one round)"
ST_MAX_TIME= ST_EXAMPLES=${ST_EXAMPLES:-40} ST_SEED=${ST_SEED:-20261203} scripts/fuzz.sh admin

if [ -f ui/package.json ]; then
  step "UI: bindings up to date, type check, unit tests"
  scripts/ui-checks.sh
fi

if [ -x tests/e2e/run.sh ]; then
  step "end-to-end suite (real app under Xvfb)"
  tests/e2e/run.sh
fi

if [ -x tests/run/twice.sh ]; then
  step "scripts/run.sh twice: the second build compiles nothing"
  tests/run/twice.sh
fi

if [ -x tests/deb/run.sh ]; then
  step ".deb: build with the Tauri CLI, install with apt-get, start the installed app under Xvfb"
  tests/deb/run.sh
fi

step "all checks passed"
