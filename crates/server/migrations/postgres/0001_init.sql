-- Tern on PostgreSQL, schema 1: the same tables as the SQLite schema at its
-- version 9 (crates/server/migrations/sqlite/), with PostgreSQL types:
-- BIGINT for times (ms since the epoch) and counters, BOOLEAN for flags, and
-- `user_id` for the column SQLite calls `user` (a reserved word here).

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    password_hash  TEXT NOT NULL,
    nickname       TEXT NOT NULL DEFAULT '',
    avatar         TEXT,
    signature      TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 0,
    changes_floor  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_by_avatar ON users(avatar) WHERE avatar IS NOT NULL;

CREATE TABLE deleted_users (
    id         TEXT PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    platform   TEXT NOT NULL,
    device     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sessions_by_user ON sessions(user_id, revoked);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE minted_tokens (
    session    TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX minted_tokens_by_user ON minted_tokens(user_id);

CREATE TABLE friends (
    owner  TEXT NOT NULL REFERENCES users(id),
    friend TEXT NOT NULL REFERENCES users(id),
    remark TEXT NOT NULL DEFAULT '',
    since  BIGINT NOT NULL,
    PRIMARY KEY (owner, friend)
);
CREATE INDEX friends_by_friend ON friends(friend);

CREATE TABLE applications (
    from_user  TEXT NOT NULL REFERENCES users(id),
    to_user    TEXT NOT NULL REFERENCES users(id),
    greeting   TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (from_user, to_user)
);
CREATE INDEX applications_to ON applications(to_user);

CREATE TABLE blacklist (
    owner      TEXT NOT NULL REFERENCES users(id),
    blocked    TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (owner, blocked)
);

CREATE TABLE changes (
    user_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (user_id, version)
);

CREATE TABLE conversations (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    max_seq        BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    last_at        BIGINT NOT NULL,
    recall_version BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE members (
    conv         TEXT NOT NULL REFERENCES conversations(id),
    user_id      TEXT NOT NULL REFERENCES users(id),
    read_seq     BIGINT NOT NULL DEFAULT 0,
    joined_at    BIGINT NOT NULL,
    role         TEXT NOT NULL DEFAULT 'member',
    muted_until  BIGINT,
    visible_from BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (conv, user_id)
);
CREATE INDEX members_by_user ON members(user_id);

CREATE TABLE messages (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conv           TEXT NOT NULL REFERENCES conversations(id),
    seq            BIGINT NOT NULL,
    sender         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    sent_at        BIGINT NOT NULL,
    content        TEXT NOT NULL,
    ext            TEXT,
    recalled_at    BIGINT,
    recall_version BIGINT,
    UNIQUE (conv, seq),
    UNIQUE (sender, client_id)
);
CREATE UNIQUE INDEX messages_recalls ON messages(conv, recall_version)
    WHERE recall_version IS NOT NULL;

CREATE TABLE groups (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    avatar          TEXT,
    notice          TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL,
    join_policy     TEXT NOT NULL,
    all_muted       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    dismissed_at    BIGINT,
    history_visible BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE group_applications (
    grp        TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    message    TEXT NOT NULL,
    state      TEXT NOT NULL,
    handled_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (grp, user_id)
);

CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    mime       TEXT NOT NULL,
    name       TEXT NOT NULL,
    uploader   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX files_by_sha256 ON files(sha256);
CREATE INDEX files_by_uploader ON files(uploader);

CREATE TABLE file_refs (
    file       TEXT NOT NULL,
    conv       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seq   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (file, conv)
);
