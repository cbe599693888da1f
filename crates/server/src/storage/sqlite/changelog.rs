//! The per-user change log: every relation change appends an entry with the
//! user's next version in the same transaction, and queues its push.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Change, Push, UserId, VersionedChange};

use tern_proto::ErrorCode;

use super::{StoreError, StoreResult};
pub use crate::storage::Delivery;

/// Appends `change` to `user`'s log and queues its push.
pub fn append_change(
    conn: &Connection,
    user: &UserId,
    change: Change,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let version: i64 = conn
        .prepare_cached("UPDATE users SET version = version + 1 WHERE id = ?1 RETURNING version")?
        .query_row([user.as_str()], |r| r.get(0))?;
    conn.prepare_cached("INSERT INTO changes (user, version, body) VALUES (?1, ?2, ?3)")?
        .execute(params![
            user.as_str(),
            version,
            serde_json::to_string(&change)?
        ])?;
    out.push(Delivery {
        user: user.clone(),
        push: Push::Change(VersionedChange {
            version: version as u64,
            change,
        }),
    });
    Ok(())
}

/// Keeps at most `keep` change-log entries per user: older ones are deleted
/// and the user's floor raised, so a device that asks for them gets
/// `SnapshotRequired`. Returns how many entries were deleted.
pub fn compact(conn: &Connection, keep: u64) -> StoreResult<usize> {
    let over: Vec<(String, i64)> = conn
        .prepare_cached(
            "SELECT user, MAX(version) FROM changes GROUP BY user HAVING COUNT(*) > ?1",
        )?
        .query_map([keep as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut deleted = 0;
    for (user, max) in over {
        let floor = max - keep as i64;
        deleted += conn
            .prepare_cached("DELETE FROM changes WHERE user = ?1 AND version <= ?2")?
            .execute(params![user, floor])?;
        conn.prepare_cached(
            "UPDATE users SET changes_floor = MAX(changes_floor, ?2) WHERE id = ?1",
        )?
        .execute(params![user, floor])?;
    }
    Ok(deleted)
}

/// The latest change-log version of `user`.
pub fn current_version(conn: &Connection, user: &UserId) -> StoreResult<u64> {
    let v: Option<i64> = conn
        .query_row(
            "SELECT version FROM users WHERE id = ?1",
            [user.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Up to `limit` change-log entries after `since` (and one answer's byte
/// budget), plus the latest version.
pub fn changes_since(
    conn: &Connection,
    user: &UserId,
    since: u64,
    limit: u32,
) -> StoreResult<(Vec<VersionedChange>, u64)> {
    let floor: i64 = conn
        .prepare_cached("SELECT changes_floor FROM users WHERE id = ?1")?
        .query_row([user.as_str()], |r| r.get(0))
        .optional()?
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
    let mut stmt =
        conn.prepare("SELECT version, body FROM changes WHERE user = ?1 AND version > ?2 ORDER BY version LIMIT ?3")?;
    let rows = stmt.query_map(params![user.as_str(), since as i64, limit], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    let mut budget = crate::storage::budget::Budget::default();
    for row in rows {
        let (version, body) = row?;
        if !budget.admits(body.len()) {
            break;
        }
        out.push(VersionedChange {
            version: version as u64,
            change: serde_json::from_str(&body)?,
        });
    }
    Ok((out, current_version(conn, user)?))
}
