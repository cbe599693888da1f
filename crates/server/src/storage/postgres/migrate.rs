//! Versioned schema migrations (`crates/server/migrations/postgres/*.sql`),
//! tracked in a `schema_version` table and applied under a session advisory
//! lock, so several processes starting at once apply each one exactly once.

use deadpool_postgres::Object;

use crate::storage::{StoreError, StoreResult};

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_cluster.sql"),
    include_str!("../../../migrations/postgres/0003_webhooks_and_bans.sql"),
    include_str!("../../../migrations/postgres/0004_conv_settings.sql"),
    include_str!("../../../migrations/postgres/0005_rich_messaging.sql"),
    include_str!("../../../migrations/postgres/0006_forward_mentions.sql"),
    include_str!("../../../migrations/postgres/0007_rooms.sql"),
    include_str!("../../../migrations/postgres/0008_admin.sql"),
    include_str!("../../../migrations/postgres/0009_room_recent.sql"),
    include_str!("../../../migrations/postgres/0010_client_id_key.sql"),
    include_str!("../../../migrations/postgres/0011_room_mutes.sql"),
    include_str!("../../../migrations/postgres/0012_blacklist_blocked.sql"),
];

/// The advisory lock key of migrations (any fixed number; "tern" in ASCII).
const LOCK: i64 = 0x7465_726e;

/// Applies every migration newer than the recorded version, each in its own
/// transaction, holding the migration lock throughout.
pub(super) async fn migrate(client: &mut Object) -> StoreResult<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&LOCK])
        .await?;
    let result = apply(client).await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&LOCK])
        .await;
    result?;
    unlock?;
    Ok(())
}

async fn apply(client: &mut Object) -> StoreResult<()> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                version    BIGINT PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await?;
    let current: i64 = client
        .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])
        .await?
        .try_get(0)?;
    if current as usize > MIGRATIONS.len() {
        return Err(StoreError::Open(format!(
            "the database has schema version {current}, newer than this server's {}",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = client.transaction().await?;
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(version, "applied postgres migration");
    }
    Ok(())
}
