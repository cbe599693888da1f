-- files: uploads (server id -> content-addressed blob, display name, mime,
-- uploader) and the conversations whose messages reference each file, which
-- is what lets their members download it (see store::files).
CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    name       TEXT NOT NULL,
    uploader   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX files_by_sha256 ON files(sha256);
CREATE TABLE file_refs (
    file       TEXT NOT NULL,
    conv       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (file, conv)
) WITHOUT ROWID;
CREATE INDEX users_by_avatar ON users(avatar) WHERE avatar IS NOT NULL;
