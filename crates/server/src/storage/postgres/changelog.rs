//! The per-user change log on PostgreSQL (a port of `sqlite::changelog`).

use tern_proto::{Change, ErrorCode, Push, UserId, VersionedChange};

use super::Tx;
use crate::storage::{Delivery, StoreError, StoreResult};

/// Appends `change` to `user`'s log with their next version and queues its push.
pub(super) async fn append_change(
    c: &Tx<'_>,
    user: &UserId,
    change: Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let version: i64 = c
        .query_one(
            "UPDATE users SET version = version + 1 WHERE id = $1 RETURNING version",
            &[&user.as_str()],
        )
        .await?
        .try_get(0)?;
    c.execute(
        "INSERT INTO changes (user_id, version, body) VALUES ($1, $2, $3)",
        &[&user.as_str(), &version, &serde_json::to_string(&change)?],
    )
    .await?;
    out.push(Delivery {
        user: user.clone(),
        push: Push::Change(VersionedChange {
            version: version as u64,
            change,
        }),
    });
    Ok(())
}

/// Keeps at most `keep` entries per user, raising their floor.
pub(super) async fn compact(c: &Tx<'_>, keep: u64) -> StoreResult<usize> {
    let over = c
        .query(
            "SELECT user_id, MAX(version) FROM changes GROUP BY user_id HAVING COUNT(*) > $1
             ORDER BY user_id COLLATE \"C\"",
            &[&(keep as i64)],
        )
        .await?;
    let mut deleted = 0;
    for r in over {
        let (user, max): (String, i64) = (r.try_get(0)?, r.try_get(1)?);
        let floor = max - keep as i64;
        deleted += c
            .execute(
                "DELETE FROM changes WHERE user_id = $1 AND version <= $2",
                &[&user, &floor],
            )
            .await? as usize;
        c.execute(
            "UPDATE users SET changes_floor = GREATEST(changes_floor, $2) WHERE id = $1",
            &[&user, &floor],
        )
        .await?;
    }
    Ok(deleted)
}

pub(super) async fn current_version(c: &Tx<'_>, user: &UserId) -> StoreResult<u64> {
    let v: Option<i64> = c
        .query_opt("SELECT version FROM users WHERE id = $1", &[&user.as_str()])
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    Ok(v.unwrap_or(0) as u64)
}

pub(super) async fn changes_since(
    c: &Tx<'_>,
    user: &UserId,
    since: u64,
    limit: u32,
) -> StoreResult<(Vec<VersionedChange>, u64)> {
    let floor: i64 = c
        .query_opt(
            "SELECT changes_floor FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or(0);
    if (since as i64) < floor && since < i64::MAX as u64 {
        return Err(StoreError::rejected(
            ErrorCode::SnapshotRequired,
            format!(
                "your change log up to version {floor} was compacted; take a snapshot (get_friends, \
                 list_received_applications, list_sent_applications, list_blocked, get_groups, \
                 get_conv_settings, get_settings) \
                 and continue from the latest version"
            ),
        ));
    }
    // Read as they arrive; past the budget the rest is discarded unread (the
    // stream is dropped before the next query on this connection).
    let out = {
        let rows = c
            .query_stream(
                "SELECT version, body FROM changes WHERE user_id = $1 AND version > $2
                 ORDER BY version LIMIT $3",
                &[&user.as_str(), &(since as i64), &i64::from(limit)],
            )
            .await?;
        futures_util::pin_mut!(rows);
        let mut out = Vec::new();
        let mut budget = crate::storage::budget::Budget::default();
        while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
            let body: String = r.try_get(1)?;
            if !budget.admits(body.len()) {
                break;
            }
            out.push(VersionedChange {
                version: r.try_get::<_, i64>(0)? as u64,
                change: serde_json::from_str(&body)?,
            });
        }
        out
    };
    Ok((out, current_version(c, user).await?))
}
