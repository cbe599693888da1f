//! Versioned schema migrations, tracked in `PRAGMA user_version`.

use rusqlite::Connection;

use super::StoreResult;

/// Migration `i` brings the schema from version `i` to `i + 1`, one `.sql`
/// file each under `crates/server/migrations/sqlite/`. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_init.sql"),
    include_str!("../../../migrations/sqlite/0002_deleted_users.sql"),
    include_str!("../../../migrations/sqlite/0003_minted_tokens.sql"),
    include_str!("../../../migrations/sqlite/0004_recall_log.sql"),
    include_str!("../../../migrations/sqlite/0005_groups.sql"),
    include_str!("../../../migrations/sqlite/0006_files.sql"),
    include_str!("../../../migrations/sqlite/0007_quota_and_pruning.sql"),
    include_str!("../../../migrations/sqlite/0008_history_visibility.sql"),
    include_str!("../../../migrations/sqlite/0009_changelog_compaction.sql"),
    include_str!("../../../migrations/sqlite/0010_webhooks_and_bans.sql"),
    include_str!("../../../migrations/sqlite/0011_conv_settings.sql"),
    include_str!("../../../migrations/sqlite/0012_rich_messaging.sql"),
    include_str!("../../../migrations/sqlite/0013_forward_mentions.sql"),
    include_str!("../../../migrations/sqlite/0014_rooms.sql"),
    include_str!("../../../migrations/sqlite/0015_admin.sql"),
    include_str!("../../../migrations/sqlite/0016_room_recent.sql"),
    include_str!("../../../migrations/sqlite/0017_no_sender_index.sql"),
    include_str!("../../../migrations/sqlite/0018_client_id_key.sql"),
    include_str!("../../../migrations/sqlite/0019_implied_read_mark.sql"),
    include_str!("../../../migrations/sqlite/0020_room_mutes.sql"),
    include_str!("../../../migrations/sqlite/0021_blacklist_blocked.sql"),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// id, seq, sender, client_id, content, edit_version, mentions.
    type Row = (
        i64,
        i64,
        String,
        String,
        String,
        Option<i64>,
        Option<String>,
    );

    /// Migration 18 rebuilds `messages` (its duplicate key becomes (client_id,
    /// sender)): every row and column survives, AUTOINCREMENT's high-water mark too
    /// (a deleted last message's id is not handed out again), the key still refuses
    /// a second (client_id, sender) and the plan of the send path's look-up uses it.
    #[test]
    fn the_client_id_key_rebuild_keeps_rows_ids_and_uniqueness() {
        let mut c = Connection::open_in_memory().unwrap();
        c.execute_batch("PRAGMA foreign_keys=ON").unwrap();
        for sql in &MIGRATIONS[..17] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(
            "PRAGMA user_version = 17;
             INSERT INTO conversations (id, kind, max_seq, created_at, last_at)
                 VALUES ('d:a:b', 'direct', 3, 1, 1);
             INSERT INTO messages (conv, seq, sender, client_id, sent_at, content, edit_version, mentions)
                 VALUES ('d:a:b', 1, 'a', 'x1', 10, 'one', NULL, NULL),
                        ('d:a:b', 2, 'b', 'x1', 11, 'two', 1, '{\"users\":[\"a\"]}'),
                        ('d:a:b', 3, 'a', 'x3', 12, 'three', NULL, NULL);
             DELETE FROM messages WHERE seq = 3;",
        )
        .unwrap();
        migrate(&mut c).unwrap();

        let rows: Vec<Row> = c
            .prepare("SELECT id, seq, sender, client_id, content, edit_version, mentions FROM messages ORDER BY id")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            (1, 1, "a".into(), "x1".into(), "one".into(), None, None)
        );
        assert_eq!(
            rows[1],
            (
                2,
                2,
                "b".into(),
                "x1".into(),
                "two".into(),
                Some(1),
                Some(r#"{"users":["a"]}"#.into())
            )
        );

        c.execute(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content) VALUES ('d:a:b', 4, 'a', 'x4', 13, 'four')",
            [],
        )
        .unwrap();
        assert_eq!(c.last_insert_rowid(), 4, "id 3 (deleted) is not reused");
        let dup = c.execute(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content) VALUES ('d:a:b', 5, 'b', 'x1', 14, 'again')",
            [],
        );
        assert!(dup.is_err(), "(client_id, sender) is still unique");
        let dup_seq = c.execute(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content) VALUES ('d:a:b', 4, 'a', 'x5', 14, 'same seq')",
            [],
        );
        assert!(dup_seq.is_err(), "(conv, seq) is still unique");

        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT 1 FROM messages WHERE sender = 'a' AND client_id = 'x1'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("(client_id=? AND sender=?)"), "{plan}");
        let indexes: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 5, "two keys and the three version logs");
        let fk: i64 = c
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0);
    }

    /// Migration 21: who blocked a user is found through an index, not by
    /// scanning every block on the server (asked on every group send).
    #[test]
    fn who_blocked_a_user_is_an_index_search() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let plan: String = c
            .query_row(
                "EXPLAIN QUERY PLAN SELECT owner FROM blacklist WHERE blocked = 'x'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(
            plan.contains("INDEX blacklist_blocked (blocked=?)"),
            "{plan}"
        );
    }
}
