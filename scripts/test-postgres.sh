#!/bin/sh
# Runs tern-server's black-box suite on PostgreSQL: a throw-away cluster
# (pg_virtualenv, from Debian's `postgresql` package) on a free port on
# 127.0.0.1, each test server on a fresh database in it (see
# crates/server/tests/common, TERN_TEST_DATABASE); the cluster is dropped
# afterwards. Extra arguments go to `cargo test -p tern-server`, e.g.
#   scripts/test-postgres.sh --test messaging
set -eu
if ! command -v pg_virtualenv >/dev/null; then
    echo "pg_virtualenv not found: apt-get install -y postgresql" >&2
    exit 1
fi
# fsync=off: a throw-away cluster for correctness tests, never for benchmarks.
exec pg_virtualenv -t -o fsync=off -o max_connections=400 sh -c '
    TERN_TEST_DATABASE="postgres://$PGUSER:$PGPASSWORD@127.0.0.1:$PGPORT/postgres" \
        exec cargo test -p tern-server "$@"' sh "$@"
