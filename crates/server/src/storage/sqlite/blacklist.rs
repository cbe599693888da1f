//! The blacklist: one-way, synced to the blocker's devices via the change log.

use rusqlite::{params, Connection};
use tern_proto::{Change, ErrorCode, UserId};

use super::accounts::{parse_user, require_user};
use super::changelog::{append_change, Delivery};
use super::{StoreError, StoreResult};

/// Whether `owner` has blocked `other`.
pub fn is_blocked(conn: &Connection, owner: &UserId, other: &UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM blacklist WHERE owner = ?1 AND blocked = ?2)")?
        .query_row([owner.as_str(), other.as_str()], |r| r.get(0))?)
}

/// `me` blocks `user` (idempotent).
pub fn block(
    conn: &Connection,
    me: &UserId,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    if me == user {
        return Err(StoreError::rejected(
            ErrorCode::SelfTarget,
            "you cannot block yourself",
        ));
    }
    require_user(conn, user)?;
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO blacklist (owner, blocked, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![me.as_str(), user.as_str(), now])?;
    if n == 1 {
        append_change(conn, me, Change::BlackAdded { user: user.clone() }, out)?;
    }
    Ok(())
}

/// `me` unblocks `user`; `NotFound` if not blocked.
pub fn unblock(
    conn: &Connection,
    me: &UserId,
    user: &UserId,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    let n = conn
        .prepare_cached("DELETE FROM blacklist WHERE owner = ?1 AND blocked = ?2")?
        .execute([me.as_str(), user.as_str()])?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("{user} is not on your blacklist"),
        ));
    }
    append_change(conn, me, Change::BlackDeleted { user: user.clone() }, out)
}

/// Everyone `me` blocked, ordered by id.
pub fn blocked(conn: &Connection, me: &UserId) -> StoreResult<Vec<UserId>> {
    let mut stmt =
        conn.prepare("SELECT blocked FROM blacklist WHERE owner = ?1 ORDER BY blocked")?;
    let rows = stmt.query_map([me.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// Users who have blocked `user`.
pub fn blocked_by(conn: &Connection, user: &UserId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached("SELECT owner FROM blacklist WHERE blocked = ?1")?;
    let rows = stmt.query_map([user.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| super::accounts::parse_user(r?)).collect()
}
