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
