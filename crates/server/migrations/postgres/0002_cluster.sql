-- The cluster registry (tern-server --bus): which nodes are alive, and which
-- connections each one holds, so that presence, the admin session list and
-- dead-node detection cover every node. Nodes without a bus never touch it.

CREATE TABLE cluster_nodes (
    node_id    TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    -- The database's clock (ms since the epoch), so node clocks may differ.
    last_seen  BIGINT NOT NULL
);

CREATE TABLE cluster_conns (
    node_id  TEXT   NOT NULL,
    conn_id  BIGINT NOT NULL,
    user_id  TEXT   NOT NULL,
    session  TEXT   NOT NULL,
    platform TEXT   NOT NULL,
    since    BIGINT NOT NULL,
    PRIMARY KEY (node_id, conn_id)
);

CREATE INDEX cluster_conns_user ON cluster_conns (user_id);
