//! The per-user change log: every relation change appends an entry with the
//! user's next version in the same transaction, and queues its push.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Change, Push, UserId, VersionedChange};

use super::StoreResult;

/// A push to send to every online device of `user` once the transaction commits.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Recipient.
    pub user: UserId,
    /// What to push.
    pub push: Push,
}

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

/// Up to `limit` change-log entries after `since`, plus the latest version.
pub fn changes_since(
    conn: &Connection,
    user: &UserId,
    since: u64,
    limit: u32,
) -> StoreResult<(Vec<VersionedChange>, u64)> {
    let mut stmt =
        conn.prepare("SELECT version, body FROM changes WHERE user = ?1 AND version > ?2 ORDER BY version LIMIT ?3")?;
    let rows = stmt.query_map(params![user.as_str(), since as i64, limit], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, body) = row?;
        out.push(VersionedChange {
            version: version as u64,
            change: serde_json::from_str(&body)?,
        });
    }
    Ok((out, current_version(conn, user)?))
}
