#!/bin/sh
# Runs tern-server's two-user suites as a two-node cluster: a throw-away
# PostgreSQL (scripts/test-postgres.sh), and per test server a nats-server on a
# free port of 127.0.0.1 and two tern-server nodes on it (TERN_TEST_CLUSTER=1,
# see crates/server/tests/common/cluster.rs), the test's users alternating
# between the nodes; cluster_nginx puts Debian's nginx (deploy/nginx/tern.conf)
# in front of two nodes (TERN_TEST_NGINX=1: nginx must be installed).
# Arguments replace the default list of test binaries, e.g.
#   scripts/test-cluster.sh -p tern-server --test messaging
set -eu
if ! command -v nats-server >/dev/null; then
    echo "nats-server not found: apt-get install -y nats-server" >&2
    exit 1
fi
if [ ! -x /usr/sbin/nginx ]; then
    echo "nginx not found: apt-get install -y nginx (scripts/deps.sh test)" >&2
    exit 1
fi
if [ $# -eq 0 ]; then
    set -- -p tern-server --locked \
        --test messaging --test read_state --test typing --test recall \
        --test friends_flow --test blacklist --test multi_device \
        --test groups_basic --test groups_membership --test groups_messages \
        --test groups_roles --test groups_fanout --test offline_catch_up \
        --test rooms --test admin_rooms --test admin_room_members \
        --test security_revocation --test admin_sessions --test send_after \
        --test cluster --test cluster_failover --test cluster_interest \
        --test cluster_nginx
fi
TERN_TEST_CLUSTER=1 TERN_TEST_NGINX=1 exec "$(dirname "$0")/test-postgres.sh" "$@"
