-- 2: ids of users deleted through the admin API; never handed out again, so
-- an old token or conversation can never reach a new account of that id.
CREATE TABLE deleted_users (
    id         TEXT PRIMARY KEY,
    deleted_at INTEGER NOT NULL
) WITHOUT ROWID;
