//! Opening the database and its migrations (`PRAGMA user_version` counts them).

use std::path::Path;

use rusqlite::Connection;

use crate::error::Result;

/// Migrations in order; each runs once, in a transaction.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    user TEXT PRIMARY KEY, nickname TEXT NOT NULL, avatar TEXT, signature TEXT NOT NULL
);
CREATE TABLE friends (user TEXT PRIMARY KEY, remark TEXT NOT NULL, since INTEGER NOT NULL);
CREATE TABLE applications (
    from_user TEXT NOT NULL, to_user TEXT NOT NULL, greeting TEXT NOT NULL, state TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (from_user, to_user)
);
CREATE TABLE blacklist (user TEXT PRIMARY KEY);
CREATE TABLE conversations (
    conv TEXT PRIMARY KEY,
    max_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    peer_read_seq INTEGER NOT NULL DEFAULT 0,
    synced_seq INTEGER NOT NULL DEFAULT 0,
    draft TEXT NOT NULL DEFAULT '',
    last_activity INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
    rowid INTEGER PRIMARY KEY,
    conv TEXT NOT NULL, seq INTEGER, msg_id INTEGER, client_id TEXT NOT NULL,
    sender TEXT NOT NULL, sent_at INTEGER NOT NULL, content TEXT NOT NULL, ext TEXT,
    state TEXT NOT NULL, error TEXT,
    UNIQUE (sender, client_id)
);
CREATE UNIQUE INDEX messages_conv_seq ON messages (conv, seq) WHERE seq IS NOT NULL;
CREATE INDEX messages_pending ON messages (conv, rowid) WHERE seq IS NULL;
CREATE TABLE outbox (
    client_id TEXT PRIMARY KEY, ord INTEGER NOT NULL, queued_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL, failed INTEGER NOT NULL
);
CREATE VIRTUAL TABLE message_fts USING fts5 (body, tokenize = 'trigram');
"#,
    r#"
CREATE INDEX messages_own ON messages (conv, sender, seq);
CREATE INDEX outbox_order ON outbox (ord);
"#,
    r#"
ALTER TABLE conversations ADD COLUMN recall_version INTEGER NOT NULL DEFAULT 0;
"#,
    // Groups I am in (GroupInfo JSON) and their cached members (GroupMember JSON).
    r#"
CREATE TABLE groups (
    group_id TEXT PRIMARY KEY, info TEXT NOT NULL,
    members_complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE group_members (
    group_id TEXT NOT NULL, user TEXT NOT NULL, member TEXT NOT NULL,
    PRIMARY KEY (group_id, user)
);
"#,
    // Search keys (see store/search.rs): time-ordered FTS keys so a page stops early,
    // a gram index for 1-2 character terms, indexing deferred (search_key NULL =
    // pending). Existing messages become pending and are re-indexed.
    r#"
DROP TABLE message_fts;
ALTER TABLE messages ADD COLUMN search_key INTEGER;
CREATE INDEX messages_unindexed ON messages (search_key) WHERE search_key IS NULL;
CREATE VIRTUAL TABLE search_tri USING fts5 (body, msg UNINDEXED, tokenize = 'trigram');
CREATE VIRTUAL TABLE search_grams USING fts5 (
    grams, content = '', contentless_delete = 1, tokenize = 'ascii'
);
"#,
    // File messages whose upload has not finished: not in the outbox yet (see store::files).
    r#"
CREATE TABLE uploads (
    client_id TEXT PRIMARY KEY, conv TEXT NOT NULL, path TEXT NOT NULL, created_at INTEGER NOT NULL
);
"#,
    // Messages deleted on this device only ("Delete for me"): kept (so seq ranges
    // stay complete) but hidden, see `rows::HIDDEN`.
    r#"
CREATE TABLE deleted_local (conv TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (conv, seq));
"#,
    // Membership lines of group timelines ("Bob left"), recorded when this device
    // applies the change-log entry (see store::notices).
    r#"
CREATE TABLE member_notices (
    id INTEGER PRIMARY KEY,
    conv TEXT NOT NULL, kind TEXT NOT NULL, user TEXT NOT NULL, by_user TEXT,
    at INTEGER NOT NULL, name TEXT
);
CREATE INDEX member_notices_conv ON member_notices (conv, at);
"#,
    // My server-synced settings of each conversation (ConvSettings JSON; see
    // store::preferences). `cleared_seq` is a column because `rows::HIDDEN`
    // hides everything up to it ("clear history").
    r#"
CREATE TABLE conv_settings (
    conv TEXT PRIMARY KEY, cleared_seq INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL
);
"#,
    // Edits (see store::edits): when a message was last edited, and how far each
    // conversation's edit log has been applied; the seq a reply quotes; each
    // message's reactions (kept apart: they may arrive before the message) and
    // how far the reaction log has been applied; each conversation's pins.
    r#"
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE conversations ADD COLUMN edit_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
CREATE TABLE message_reactions (
    conv TEXT NOT NULL, seq INTEGER NOT NULL, reactions TEXT NOT NULL,
    PRIMARY KEY (conv, seq)
);
ALTER TABLE conversations ADD COLUMN reaction_version INTEGER NOT NULL DEFAULT 0;
CREATE TABLE conv_pins (conv TEXT PRIMARY KEY, pins TEXT NOT NULL);
ALTER TABLE conversations ADD COLUMN pin_version INTEGER NOT NULL DEFAULT 0;
"#,
    // @mentions: whom a message mentions (the JSON of tern_proto::Mentions),
    // for the per-conversation count of unread mentions of me.
    r#"
ALTER TABLE messages ADD COLUMN mentions TEXT;
"#,
    // The unread-mentions count looks only at messages that mention someone.
    r#"
CREATE INDEX messages_mentioning ON messages (conv, seq) WHERE mentions IS NOT NULL;
"#,
];

/// Opens `path` in WAL mode and brings its schema up to date.
pub(super) fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Another process may share this cache (a second tern-cli of the same data
    // dir). A deferred transaction that reads, then writes after the other
    // process committed fails at once with "database is locked" (SQLite cannot
    // wait there without risking a deadlock); taking the write lock at BEGIN
    // makes it wait (busy_timeout) instead. A lost push was the result.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    // Every hot statement is prepare_cached (the default cache of 16 thrashes).
    conn.set_prepared_statement_cache_capacity(128);
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path).unwrap());
        let conn = open(&path).unwrap();
        let v: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
