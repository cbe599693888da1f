//! Writes and reads only the admin API needs: deleting a user with everything
//! that points at them, revoking all of a user's sessions, the reserved
//! `system` sender.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Change, ErrorCode, UserId};

use super::accounts::{parse_user, require_user};
use super::changelog::{append_change, Delivery};
use super::{StoreError, StoreResult};

pub use tern_proto::SYSTEM_USER;

/// Creates the reserved `system` account if it does not exist yet.
pub fn reserve_system_user(conn: &Connection, now: i64) -> StoreResult<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO users (id, password_hash, nickname, created_at) VALUES (?1, '!', 'System', ?2)")?.execute(
        params![SYSTEM_USER, now],
    )?;
    Ok(())
}

/// Revokes every live session of `user`, and the sessions of tokens minted
/// for them that were never used (a revoked row makes `resume` refuse them);
/// returns the ids of the sessions that were live (to kick).
pub fn revoke_all_sessions(conn: &Connection, user: &UserId) -> StoreResult<Vec<String>> {
    let mut stmt = conn
        .prepare("UPDATE sessions SET revoked = 1 WHERE user = ?1 AND revoked = 0 RETURNING id")?;
    let ids = stmt
        .query_map([user.as_str()], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    conn.prepare_cached("INSERT OR IGNORE INTO sessions (id, user, platform, device, created_at, expires_at, revoked)
         SELECT session, user, 'web', 'minted', 0, expires_at, 1 FROM minted_tokens WHERE user = ?1")?.execute(
        [user.as_str()],
    )?;
    conn.prepare_cached("DELETE FROM minted_tokens WHERE user = ?1")?
        .execute([user.as_str()])?;
    Ok(ids)
}

/// Remembers the session of a token minted for `user` (see
/// [`revoke_all_sessions`]) and forgets that user's expired ones.
pub fn record_minted(
    conn: &Connection,
    user: &UserId,
    session: &str,
    expires_at: i64,
    now: i64,
) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM minted_tokens WHERE user = ?1 AND expires_at <= ?2")?
        .execute(params![user.as_str(), now])?;
    conn.prepare_cached(
        "INSERT INTO minted_tokens (session, user, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![session, user.as_str(), expires_at])?;
    Ok(())
}

/// Replaces `user`'s password hash and revokes all their sessions.
pub fn set_password(conn: &Connection, user: &UserId, hash: &str) -> StoreResult<Vec<String>> {
    let n = conn
        .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute([user.as_str(), hash])?;
    if n == 0 {
        return Err(not_found(user));
    }
    revoke_all_sessions(conn, user)
}

/// Deletes `user`: sessions, friendships both ways (the other side gets
/// `FriendDeleted`), applications, blacklist entries (the blocker gets
/// `BlackDeleted`), memberships (group members get `GroupMemberLeft`; an owned
/// group passes to an admin or member, see `groups::remove_deleted_user`) and
/// change log. Messages they sent stay in
/// their peers' histories. The id is retired for good. Returns the ids of the
/// sessions that were live (to kick).
pub fn delete_user(
    conn: &Connection,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<String>> {
    require_user(conn, user)?;
    let u = user.as_str();
    let live = revoke_all_sessions(conn, user)?;
    conn.prepare_cached("DELETE FROM sessions WHERE user = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM minted_tokens WHERE user = ?1")?
        .execute([u])?;
    for owner in owners(conn, "SELECT owner FROM friends WHERE friend = ?1", user)? {
        conn.prepare_cached("DELETE FROM friends WHERE owner = ?1 AND friend = ?2")?
            .execute([owner.as_str(), u])?;
        append_change(
            conn,
            &owner,
            Change::FriendDeleted { user: user.clone() },
            out,
        )?;
    }
    for owner in owners(conn, "SELECT owner FROM blacklist WHERE blocked = ?1", user)? {
        conn.prepare_cached("DELETE FROM blacklist WHERE owner = ?1 AND blocked = ?2")?
            .execute([owner.as_str(), u])?;
        append_change(
            conn,
            &owner,
            Change::BlackDeleted { user: user.clone() },
            out,
        )?;
    }
    conn.prepare_cached("DELETE FROM friends WHERE owner = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM blacklist WHERE owner = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM applications WHERE from_user = ?1 OR to_user = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM conv_settings WHERE user_id = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM account_settings WHERE user_id = ?1")?
        .execute([u])?;
    // Groups first: their remaining members hear that the user left, and a
    // group they owned gets a new owner (or is dismissed when empty).
    super::groups::remove_deleted_user(conn, user, now, out)?;
    conn.prepare_cached("DELETE FROM members WHERE user = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM changes WHERE user = ?1")?
        .execute([u])?;
    conn.prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([u])?;
    conn.prepare_cached("INSERT OR REPLACE INTO deleted_users (id, deleted_at) VALUES (?1, ?2)")?
        .execute(params![u, now])?;
    Ok(live)
}

/// Device id of each given session (sessions not found are left out).
pub fn session_devices(conn: &Connection, ids: &[String]) -> StoreResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached("SELECT device FROM sessions WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(device) = stmt.query_row([id], |r| r.get::<_, String>(0)).optional()? {
            out.push((id.clone(), device));
        }
    }
    Ok(out)
}

fn owners(conn: &Connection, sql: &str, user: &UserId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([user.as_str()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

fn not_found(user: &UserId) -> StoreError {
    StoreError::rejected(ErrorCode::NotFound, format!("no user `{user}`"))
}
