#!/bin/sh
# Runs tern-server's two-user suites as a two-node cluster: a throw-away
# PostgreSQL (scripts/test-postgres.sh), and per test server a nats-server on a
# free port of 127.0.0.1 and two tern-server nodes on it (TERN_TEST_CLUSTER=1,
# see crates/server/tests/it/common/cluster.rs), the test's users alternating
# between the nodes; cluster_nginx puts Debian's nginx (deploy/nginx/tern.conf)
# in front of two nodes (TERN_TEST_NGINX=1: nginx must be installed).
# Arguments replace the default list of scenarios, e.g.
#   scripts/test-cluster.sh -p tern-server --test it -- messaging::
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
    # Module names of the one test binary (tests/it); libtest's filters match
    # substrings, so the two modules whose names end in a listed one are skipped.
    set -- -p tern-server --locked --test it -- \
        messaging:: read_state:: typing:: recall:: \
        friends_flow:: blacklist:: multi_device:: \
        groups_basic:: groups_membership:: groups_messages:: \
        groups_roles:: groups_fanout:: offline_catch_up:: \
        rooms:: rooms_blocks:: admin_rooms:: admin_room_members:: \
        security_presence_flood:: webhooks_before_scope:: \
        security_revocation:: admin_sessions:: send_after:: \
        cluster:: cluster_failover:: cluster_interest:: cluster_nginx:: \
        --skip rich_forward_recall:: --skip webhooks_cluster::
fi
TERN_TEST_CLUSTER=1 TERN_TEST_NGINX=1 exec "$(dirname "$0")/test-postgres.sh" "$@"
