#!/usr/bin/env bash
# Fuzzes the wire-protocol decoder and the admin REST API (docs/security.md,
# "Fuzzing"). scripts/test.sh runs `admin` once (one round, fixed seed); longer runs by hand.
#
#   scripts/fuzz.sh [all|decoder|admin]        (default: all)
#
# decoder: cargo-fuzz (libFuzzer) on fuzz/'s targets client_frame
#          (ClientFrame::decode, round trip) and server_frame
#          (ServerFrame::decode, round trip), FUZZ_SECS each, starting from
#          fuzz/seeds (examples of docs/protocol.md). Crashes land in
#          fuzz/artifacts/<target>/.
# admin:   builds tern-server, starts it on 127.0.0.1 with a temporary data dir
#          and admin secret, and runs schemathesis on GET /admin/openapi.json:
#          every operation, all checks, positive and negative (bad bodies),
#          ST_EXAMPLES examples per operation per round, rounds repeated until
#          ST_MAX_TIME is spent. Accepted false positives are listed, with
#          reasons, in fuzz/schemathesis-baseline.json.
#
# Settings (environment):
#   FUZZ_SECS=300        seconds per decoder target
#   FUZZ_SANITIZER=address   or `none` (faster, catches only panics)
#   ST_EXAMPLES=200      schemathesis examples per operation (per round)
#   ST_SEED=             schemathesis seed (random when empty)
#   ST_MAX_TIME=300      seconds for the schemathesis run (empty: one round;
#                        1000 examples in one round took schemathesis over
#                        7 minutes and 2 GB, so prefer rounds)
#   ST_VERSION=4.32.5    schemathesis from PyPI, in a venv at ST_VENV
#   ST_VENV=${TMPDIR:-/tmp}/tern-schemathesis
# CPU-heavy steps run under `nice -n 10`. The exit status is non-zero when a
# fuzzer found something.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tern/target}
what=${1:-all}
FUZZ_SECS=${FUZZ_SECS:-300}
FUZZ_SANITIZER=${FUZZ_SANITIZER:-address}
ST_EXAMPLES=${ST_EXAMPLES:-200}
ST_SEED=${ST_SEED:-}
ST_MAX_TIME=${ST_MAX_TIME-300}
ST_VERSION=${ST_VERSION:-4.32.5}
ST_VENV=${ST_VENV:-${TMPDIR:-/tmp}/tern-schemathesis}
status=0

decoder() {
  command -v cargo-fuzz >/dev/null || nice -n 10 cargo install cargo-fuzz --locked
  cd "$root/fuzz"
  for t in client_frame server_frame; do
    mkdir -p "corpus/$t" artifacts
    cp seeds/$t/* "corpus/$t/"
    echo "=== fuzz $t for ${FUZZ_SECS}s (log: fuzz/artifacts/$t.log)"
    # cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets stable take them.
    if RUSTC_BOOTSTRAP=1 nice -n 10 cargo fuzz run --sanitizer "$FUZZ_SANITIZER" -O "$t" "corpus/$t" -- \
        -max_total_time="$FUZZ_SECS" -print_final_stats=1 >"artifacts/$t.log" 2>&1; then
      grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "artifacts/$t.log" || true
      echo "$t: no crash"
    else
      status=1
      grep -E -A3 'panicked|ERROR:' "artifacts/$t.log" | head -20 || true
      echo "$t: CRASH; minimize with: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin -O $t artifacts/$t/<crash file>"
    fi
  done
  cd "$root"
}

admin() {
  if [ ! -x "$ST_VENV/bin/schemathesis" ]; then
    python3 -m venv "$ST_VENV"
    "$ST_VENV/bin/pip" install -q "schemathesis==$ST_VERSION"
  fi
  nice -n 10 cargo build -p tern-server --locked
  # Global, for the EXIT trap.
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  secret="fuzz-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  # Cheap password hashing: the run creates many users on a debug build.
  # schemathesis also sends wrong secrets on purpose: no lockout of 127.0.0.1.
  printf 'argon2_memory_kib = 256\nargon2_iterations = 1\n[security]\nlogin_max_failures_per_ip = 1000000\n' >"$work/tern.toml"
  TERN_ADMIN_SECRET="$secret" "$CARGO_TARGET_DIR/debug/tern-server" --listen "127.0.0.1:$port" \
    --data-dir "$work/data" --config "$work/tern.toml" >"$work/server.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.2
  done
  # Users with the ids schemathesis tries first, so that operations needing an
  # existing user (groups, notices, messages) get past 404 now and then.
  for u in 0 00 A; do
    curl -sf -H "Authorization: Bearer $secret" -d "{\"user\":\"$u\",\"password\":\"fuzz-password\"}" \
      "http://127.0.0.1:$port/admin/users" >/dev/null
  done
  echo "=== schemathesis: all checks, $ST_EXAMPLES examples per operation${ST_MAX_TIME:+, rounds for ${ST_MAX_TIME}s}"
  local start=$SECONDS
  if ! nice -n 10 "$ST_VENV/bin/schemathesis" --config-file fuzz/schemathesis.toml run \
      "http://127.0.0.1:$port/admin/openapi.json" -H "Authorization: Bearer $secret" \
      --checks all --max-examples "$ST_EXAMPLES" --workers 1 --continue-on-failure \
      --baseline fuzz/schemathesis-baseline.json --no-color ${ST_SEED:+--seed "$ST_SEED"} ${ST_MAX_TIME:+--max-time "$ST_MAX_TIME"}; then
    status=1
  fi
  echo "schemathesis took $((SECONDS - start))s"
  if grep -E 'panicked|ERROR' "$work/server.log"; then
    echo "tern-server logged errors or panics (above)"
    status=1
  fi
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

case $what in
  all) decoder; admin ;;
  decoder) decoder ;;
  admin) admin ;;
  *) echo "usage: $0 [all|decoder|admin]" >&2; exit 2 ;;
esac
exit $status
