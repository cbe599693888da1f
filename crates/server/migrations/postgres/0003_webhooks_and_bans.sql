-- Webhooks (docs/webhooks.md): each configured endpoint's after-events, in a
-- persistent queue numbered per endpoint. Delivered rows stay for replay
-- until the endpoint's rows reach `webhook_queue_max`; then the oldest
-- delivered ones are deleted first.

CREATE TABLE webhook_endpoints (
    name        TEXT PRIMARY KEY,
    -- The number the next event of this endpoint gets (1, 2, 3, ...).
    next_seq    BIGINT NOT NULL DEFAULT 1,
    -- Events not queued because the queue was full of undelivered ones.
    dropped     BIGINT NOT NULL DEFAULT 0,
    -- Which node delivers for this endpoint, until when (ms; cluster only).
    lease_node  TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE webhook_events (
    endpoint        TEXT    NOT NULL,
    seq             BIGINT NOT NULL,
    kind            TEXT    NOT NULL,
    data            TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    PRIMARY KEY (endpoint, seq)
);

CREATE INDEX webhook_events_pending ON webhook_events (endpoint, seq)
    WHERE delivered_at IS NULL;

-- Bans (admin API): a banned user cannot log in (login and resume answer
-- Forbidden with the reason); banning also revokes and kicks every session.
CREATE TABLE user_bans (
    user_id   TEXT PRIMARY KEY,
    reason    TEXT NOT NULL,
    banned_at BIGINT NOT NULL
);
