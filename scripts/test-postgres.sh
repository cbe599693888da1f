#!/bin/sh
# Runs the test suites that start a tern-server (tern-server's black-box
# suite, tern-core's and tern-cli's) on PostgreSQL: a throw-away cluster
# (pg_virtualenv, from Debian's `postgresql` package) on a free port on
# 127.0.0.1, each test data directory on its own database in it
# (TERN_TEST_DATABASE, see tern_server::Config::for_tests); the cluster is
# dropped afterwards. Arguments replace the default `-p tern-server -p
# tern-core -p tern-cli` of `cargo test`, e.g.
#   scripts/test-postgres.sh -p tern-server --test it -- messaging::
set -eu
if ! command -v pg_virtualenv >/dev/null; then
    echo "pg_virtualenv not found: apt-get install -y postgresql" >&2
    exit 1
fi
# fsync=off: a throw-away cluster for correctness tests, never for benchmarks.
if [ $# -eq 0 ]; then
    set -- -p tern-server -p tern-core -p tern-cli
fi
exec pg_virtualenv -t -o fsync=off -o max_connections=400 sh -c '
    TERN_TEST_DATABASE="postgres://$PGUSER:$PGPASSWORD@127.0.0.1:$PGPORT/postgres" \
        exec cargo test "$@"' sh "$@"
