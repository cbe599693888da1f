-- 1: accounts, sessions, relations, change log, conversations, messages.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    nickname      TEXT NOT NULL DEFAULT '',
    avatar        TEXT,
    signature     TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    user       TEXT NOT NULL REFERENCES users(id),
    platform   TEXT NOT NULL,
    device     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_user ON sessions(user, revoked);
CREATE TABLE friends (
    owner  TEXT NOT NULL REFERENCES users(id),
    friend TEXT NOT NULL REFERENCES users(id),
    remark TEXT NOT NULL DEFAULT '',
    since  INTEGER NOT NULL,
    PRIMARY KEY (owner, friend)
) WITHOUT ROWID;
CREATE INDEX friends_by_friend ON friends(friend);
CREATE TABLE applications (
    from_user  TEXT NOT NULL REFERENCES users(id),
    to_user    TEXT NOT NULL REFERENCES users(id),
    greeting   TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (from_user, to_user)
) WITHOUT ROWID;
CREATE INDEX applications_to ON applications(to_user);
CREATE TABLE blacklist (
    owner      TEXT NOT NULL REFERENCES users(id),
    blocked    TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (owner, blocked)
) WITHOUT ROWID;
CREATE TABLE changes (
    user    TEXT NOT NULL,
    version INTEGER NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (user, version)
) WITHOUT ROWID;
CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    max_seq    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_at    INTEGER NOT NULL
);
CREATE TABLE members (
    conv      TEXT NOT NULL REFERENCES conversations(id),
    user      TEXT NOT NULL REFERENCES users(id),
    read_seq  INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (conv, user)
) WITHOUT ROWID;
CREATE INDEX members_by_user ON members(user);
CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    conv        TEXT NOT NULL REFERENCES conversations(id),
    seq         INTEGER NOT NULL,
    sender      TEXT NOT NULL,
    client_id   TEXT NOT NULL,
    sent_at     INTEGER NOT NULL,
    content     TEXT NOT NULL,
    ext         TEXT,
    recalled_at INTEGER,
    UNIQUE (conv, seq),
    UNIQUE (sender, client_id)
);
