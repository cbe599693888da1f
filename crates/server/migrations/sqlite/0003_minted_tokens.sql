-- 3: sessions of tokens minted through the admin API that may not have been
-- used yet, so that force-offline and password resets can revoke them too.
CREATE TABLE minted_tokens (
    session    TEXT PRIMARY KEY,
    user       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX minted_tokens_by_user ON minted_tokens(user);
