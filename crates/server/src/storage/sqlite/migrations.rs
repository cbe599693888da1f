//! Versioned schema migrations, tracked in `PRAGMA user_version`.

use rusqlite::Connection;

use super::StoreResult;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: accounts, sessions, relations, change log, conversations, messages.
    r#"
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
    "#,
    // 2: ids of users deleted through the admin API; never handed out again, so
    // an old token or conversation can never reach a new account of that id.
    r#"
    CREATE TABLE deleted_users (
        id         TEXT PRIMARY KEY,
        deleted_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 3: sessions of tokens minted through the admin API that may not have been
    // used yet, so that force-offline and password resets can revoke them too.
    r#"
    CREATE TABLE minted_tokens (
        session    TEXT PRIMARY KEY,
        user       TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX minted_tokens_by_user ON minted_tokens(user);
    "#,
    // 4: per-conversation recall log, so devices offline during a recall learn
    // it on resync: a conversation's recall version counts its recalls; each
    // recalled message keeps the version its recall got.
    r#"
    ALTER TABLE conversations ADD COLUMN recall_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN recall_version INTEGER;
    UPDATE messages SET recall_version = (
        SELECT COUNT(*) FROM messages o WHERE o.conv = messages.conv AND o.recalled_at IS NOT NULL
          AND (o.recalled_at < messages.recalled_at
               OR (o.recalled_at = messages.recalled_at AND o.seq <= messages.seq)))
      WHERE recalled_at IS NOT NULL;
    UPDATE conversations SET recall_version = (
        SELECT COUNT(*) FROM messages m WHERE m.conv = conversations.id AND m.recalled_at IS NOT NULL);
    CREATE UNIQUE INDEX messages_recalls ON messages(conv, recall_version)
        WHERE recall_version IS NOT NULL;
    "#,
    // 5: groups. A group's conversation is `g:<id>` (a `conversations` row of
    // kind 'group'); its members are `members` rows, which gain a role and a
    // mute deadline (direct conversations keep the defaults). A dismissed group
    // keeps its row (dismissed_at set) and messages but loses its members.
    r#"
    CREATE TABLE groups (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        avatar      TEXT,
        notice      TEXT NOT NULL DEFAULT '',
        owner       TEXT NOT NULL,
        join_policy TEXT NOT NULL,
        all_muted   INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        dismissed_at INTEGER
    );
    ALTER TABLE members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
    ALTER TABLE members ADD COLUMN muted_until INTEGER;
    CREATE TABLE group_applications (
        grp        TEXT NOT NULL,
        user       TEXT NOT NULL,
        message    TEXT NOT NULL,
        state      TEXT NOT NULL,
        handled_by TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (grp, user)
    ) WITHOUT ROWID;
    "#,
    // files: uploads (server id -> content-addressed blob, display name, mime,
    // uploader) and the conversations whose messages reference each file, which
    // is what lets their members download it (see store::files).
    r#"
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
    "#,
    // Per-user storage quota (sum of a user's uploads) and session pruning.
    r#"
    CREATE INDEX files_by_uploader ON files(uploader);
    CREATE INDEX sessions_by_expiry ON sessions(expires_at);
    "#,
    // History hidden from new group members: the group's setting, each
    // member's first visible seq (existing members keep seeing everything), and
    // the newest seq referencing each file (a file is readable by a member who
    // can see at least one message referencing it).
    r#"
    ALTER TABLE groups ADD COLUMN history_visible INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE members ADD COLUMN visible_from INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE file_refs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE file_refs SET last_seq = COALESCE((SELECT MAX(m.seq) FROM messages m
      WHERE m.conv = file_refs.conv AND json_extract(m.content, '$.file.id') = file_refs.file), 0);
    "#,
    // Change-log compaction: versions at or below a user's floor were deleted.
    r#"
    ALTER TABLE users ADD COLUMN changes_floor INTEGER NOT NULL DEFAULT 0;
    "#,
];

/// Applies every migration newer than the database's `user_version`, each in
/// its own transaction.
pub(super) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied migration");
    }
    Ok(())
}
