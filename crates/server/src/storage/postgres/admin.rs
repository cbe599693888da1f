//! The writes only the admin API needs on PostgreSQL (a port of
//! `sqlite::admin`): deleting a user with everything that points at them,
//! revoking all of a user's sessions, minted tokens, the reserved `system` sender.

use tern_proto::{Change, UserId, SYSTEM_USER};

use super::accounts::{ids, not_found, require_user};
use super::{changelog, parse_user, Tx};
use crate::storage::{Delivery, StoreResult};

pub(super) async fn reserve_system_user(c: &Tx<'_>, now: i64) -> StoreResult<()> {
    c.execute(
        "INSERT INTO users (id, password_hash, nickname, created_at) VALUES ($1, '!', 'System', $2)
         ON CONFLICT (id) DO NOTHING",
        &[&SYSTEM_USER, &now],
    )
    .await?;
    Ok(())
}

/// Revokes every live session of `user` and the sessions of their unused
/// minted tokens; returns the ids of the sessions that were live.
pub(super) async fn revoke_all_sessions(c: &Tx<'_>, user: &UserId) -> StoreResult<Vec<String>> {
    let rows = c
        .query(
            "UPDATE sessions SET revoked = TRUE WHERE user_id = $1 AND NOT revoked RETURNING id",
            &[&user.as_str()],
        )
        .await?;
    let live = ids(c, rows).await?;
    c.execute(
        "INSERT INTO sessions (id, user_id, platform, device, created_at, expires_at, revoked)
         SELECT session, user_id, 'web', 'minted', 0, expires_at, TRUE FROM minted_tokens
         WHERE user_id = $1 ON CONFLICT (id) DO NOTHING",
        &[&user.as_str()],
    )
    .await?;
    c.execute(
        "DELETE FROM minted_tokens WHERE user_id = $1",
        &[&user.as_str()],
    )
    .await?;
    Ok(live)
}

pub(super) async fn record_minted(
    c: &Tx<'_>,
    user: &UserId,
    session: &str,
    expires_at: i64,
    now: i64,
) -> StoreResult<()> {
    c.execute(
        "DELETE FROM minted_tokens WHERE user_id = $1 AND expires_at <= $2",
        &[&user.as_str(), &now],
    )
    .await?;
    c.execute(
        "INSERT INTO minted_tokens (session, user_id, expires_at) VALUES ($1, $2, $3)",
        &[&session, &user.as_str(), &expires_at],
    )
    .await?;
    Ok(())
}

/// Replaces `user`'s password hash and revokes all their sessions.
pub(super) async fn set_password(
    c: &Tx<'_>,
    user: &UserId,
    hash: &str,
) -> StoreResult<Vec<String>> {
    let n = c
        .execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&user.as_str(), &hash],
        )
        .await?;
    if n == 0 {
        return Err(not_found(user));
    }
    revoke_all_sessions(c, user).await
}

async fn owners(c: &Tx<'_>, sql: &str, user: &UserId) -> StoreResult<Vec<UserId>> {
    let rows = c.query(sql, &[&user.as_str()]).await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

/// Deletes `user` with everything pointing at them (see `sqlite::admin::delete_user`).
pub(super) async fn delete_user(
    c: &Tx<'_>,
    user: &UserId,
    now: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<String>> {
    require_user(c, user).await?;
    let u = user.as_str();
    let live = revoke_all_sessions(c, user).await?;
    c.execute("DELETE FROM sessions WHERE user_id = $1", &[&u])
        .await?;
    c.execute("DELETE FROM minted_tokens WHERE user_id = $1", &[&u])
        .await?;
    for owner in owners(
        c,
        "SELECT owner FROM friends WHERE friend = $1 ORDER BY owner COLLATE \"C\"",
        user,
    )
    .await?
    {
        c.execute(
            "DELETE FROM friends WHERE owner = $1 AND friend = $2",
            &[&owner.as_str(), &u],
        )
        .await?;
        changelog::append_change(c, &owner, Change::FriendDeleted { user: user.clone() }, out)
            .await?;
    }
    for owner in owners(
        c,
        "SELECT owner FROM blacklist WHERE blocked = $1 ORDER BY owner COLLATE \"C\"",
        user,
    )
    .await?
    {
        c.execute(
            "DELETE FROM blacklist WHERE owner = $1 AND blocked = $2",
            &[&owner.as_str(), &u],
        )
        .await?;
        changelog::append_change(c, &owner, Change::BlackDeleted { user: user.clone() }, out)
            .await?;
    }
    c.execute("DELETE FROM friends WHERE owner = $1", &[&u])
        .await?;
    c.execute("DELETE FROM blacklist WHERE owner = $1", &[&u])
        .await?;
    c.execute(
        "DELETE FROM applications WHERE from_user = $1 OR to_user = $1",
        &[&u],
    )
    .await?;
    c.execute("DELETE FROM conv_settings WHERE user_id = $1", &[&u])
        .await?;
    c.execute("DELETE FROM account_settings WHERE user_id = $1", &[&u])
        .await?;
    super::groups::remove_deleted_user(c, user, now, out).await?;
    c.execute("DELETE FROM members WHERE user_id = $1", &[&u])
        .await?;
    c.execute("DELETE FROM changes WHERE user_id = $1", &[&u])
        .await?;
    c.execute("DELETE FROM users WHERE id = $1", &[&u]).await?;
    c.execute(
        "INSERT INTO deleted_users (id, deleted_at) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at",
        &[&u, &now],
    )
    .await?;
    Ok(live)
}

pub(super) async fn session_devices(
    c: &Tx<'_>,
    ids: &[String],
) -> StoreResult<Vec<(String, String)>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = c
            .query_opt("SELECT device FROM sessions WHERE id = $1", &[id])
            .await?
        {
            out.push((id.clone(), r.try_get(0)?));
        }
    }
    Ok(out)
}
