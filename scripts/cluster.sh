#!/usr/bin/env bash
# A Tern cluster on this machine, for trying it out: a PostgreSQL of its own
# (initdb in the state directory), a nats-server and three tern-server nodes,
# all on 127.0.0.1.
#   scripts/cluster.sh start   # builds tern-server, starts everything, prints the node URLs
#   scripts/cluster.sh stop    # stops everything (the data stays in the state directory)
#   scripts/cluster.sh clean   # stops and removes the state directory
# Then point tern-clis at different nodes, e.g.
#   tern-cli --server ws://127.0.0.1:7871 --fallback-server ws://127.0.0.1:7872 --data-dir /tmp/a register alice pw123456
#   tern-cli --server ws://127.0.0.1:7873 --data-dir /tmp/b register bob pw123456
# Environment: TERN_CLUSTER_DIR (default /tmp/tern-cluster), PG_PORT (54329),
# NATS_PORT (42229), NODE_PORT (7871; nodes on NODE_PORT, +1, +2), PROFILE
# (release, or debug for a quicker build).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${TERN_CLUSTER_DIR:-/tmp/tern-cluster}
pg_port=${PG_PORT:-54329}
nats_port=${NATS_PORT:-42229}
node_port=${NODE_PORT:-7871}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }

stop() {
  for i in 1 2 3; do
    [ -f "$dir/n$i.pid" ] && kill "$(cat "$dir/n$i.pid")" 2>/dev/null || true
    rm -f "$dir/n$i.pid"
  done
  [ -f "$dir/nats.pid" ] && kill "$(cat "$dir/nats.pid")" 2>/dev/null || true
  rm -f "$dir/nats.pid"
  [ -d "$dir/pg" ] && as_pg "$pgbin/pg_ctl" -D "$dir/pg" stop -m fast >/dev/null 2>&1 || true
  echo "cluster stopped (data in $dir)"
}

start() {
  command -v nats-server >/dev/null || { echo "nats-server missing: apt-get install -y nats-server" >&2; exit 1; }
  [ -n "$pgbin" ] || { echo "PostgreSQL missing: apt-get install -y postgresql" >&2; exit 1; }
  profile=${PROFILE:-release}
  if [ "$profile" = release ]; then cargo build -q -p tern-server --release; else cargo build -q -p tern-server; fi
  bin=${CARGO_TARGET_DIR:-target}/$profile/tern-server
  mkdir -p "$dir"
  if [ ! -d "$dir/pg" ]; then
    mkdir -p "$dir/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$dir" "$dir/pg"
    as_pg "$pgbin/initdb" -D "$dir/pg" -A trust >/dev/null
  fi
  as_pg "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
  db="postgres://$(pg_user)@127.0.0.1:$pg_port/tern"
  as_pg "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -d postgres -qtc \
    "SELECT 1 FROM pg_database WHERE datname = 'tern'" | grep -q 1 ||
    as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$pg_port" tern
  nats-server -a 127.0.0.1 -p "$nats_port" >"$dir/nats.log" 2>&1 &
  echo $! >"$dir/nats.pid"
  [ -f "$dir/secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/secret"
  for i in 1 2 3; do
    port=$((node_port + i - 1))
    TERN_TOKEN_SECRET=$(cat "$dir/secret") "$bin" --node-id "n$i" --listen "127.0.0.1:$port" \
      --data-dir "$dir/n$i" --files-dir "$dir/files" --database "$db" \
      --bus "nats://127.0.0.1:$nats_port" >"$dir/n$i.log" 2>&1 &
    echo $! >"$dir/n$i.pid"
  done
  for i in 1 2 3; do
    port=$((node_port + i - 1))
    for _ in $(seq 100); do
      curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
      sleep 0.1
    done
    echo "node n$i: ws://127.0.0.1:$port  $(curl -sf "http://127.0.0.1:$port/health" || echo 'not up: see '"$dir/n$i.log")"
  done
  echo "database $db, bus nats://127.0.0.1:$nats_port, logs in $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  clean) stop; rm -rf "$dir" ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
