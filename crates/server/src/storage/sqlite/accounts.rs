//! Users, profiles and sessions.

use crate::storage::{NewSession, SessionRow};
use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ErrorCode, FileId, Profile, UserId, SYSTEM_USER};

use super::{StoreError, StoreResult};
use crate::config::MultiDevicePolicy;

/// Creates a user; `UserExists` if the id is taken (or was a deleted user's).
pub fn create_user(conn: &Connection, user: &UserId, hash: &str, now: i64) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO users (id, password_hash, created_at)
         SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM deleted_users WHERE id = ?1)",
        )?
        .execute(params![user.as_str(), hash, now])?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::UserExists,
            format!("user id `{user}` is taken"),
        ));
    }
    Ok(())
}

/// The stored password hash of `user`, if the user exists.
pub fn password_hash(conn: &Connection, user: &UserId) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [user.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Whether `user` exists.
pub fn user_exists(conn: &Connection, user: &UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM users WHERE id = ?1)")?
        .query_row([user.as_str()], |r| r.get(0))?)
}

/// Fails with `NotFound` unless `user` exists.
pub fn require_user(conn: &Connection, user: &UserId) -> StoreResult<()> {
    if user_exists(conn, user)? {
        Ok(())
    } else {
        Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no user `{user}`"),
        ))
    }
}

/// Inserts the session and revokes the ones the policy says it displaces;
/// returns the ids of the displaced sessions.
pub fn create_session(
    conn: &Connection,
    s: &NewSession,
    policy: MultiDevicePolicy,
) -> StoreResult<Vec<String>> {
    let displaced: Vec<String> = match policy {
        MultiDevicePolicy::All => Vec::new(),
        MultiDevicePolicy::PerPlatform => collect_ids(
            conn,
            "SELECT id FROM sessions WHERE user = ?1 AND revoked = 0 AND expires_at > ?2 AND platform = ?3",
            params![s.user.as_str(), s.created_at, s.platform.as_str()],
        )?,
        MultiDevicePolicy::Single => collect_ids(
            conn,
            "SELECT id FROM sessions WHERE user = ?1 AND revoked = 0 AND expires_at > ?2",
            params![s.user.as_str(), s.created_at],
        )?,
    };
    for id in &displaced {
        revoke_session(conn, id)?;
    }
    conn.prepare_cached("INSERT INTO sessions (id, user, platform, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
        params![s.id, s.user.as_str(), s.platform.as_str(), s.device, s.created_at, s.expires_at],
    )?;
    Ok(displaced)
}

fn collect_ids(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt
        .query_map(p, |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(rows)
}

/// Forgets sessions and minted tokens that expired before `cutoff`: their
/// tokens are refused for their expiry before any row is read.
pub fn prune_sessions(conn: &Connection, cutoff: i64) -> StoreResult<usize> {
    let n = conn
        .prepare_cached("DELETE FROM sessions WHERE expires_at < ?1")?
        .execute([cutoff])?;
    conn.prepare_cached("DELETE FROM minted_tokens WHERE expires_at < ?1")?
        .execute([cutoff])?;
    Ok(n)
}

/// Revokes every live session of `user` but `keep`; returns how many.
pub fn revoke_other_sessions(conn: &Connection, user: &UserId, keep: &str) -> StoreResult<usize> {
    let n = conn
        .prepare_cached(
            "UPDATE sessions SET revoked = 1 WHERE user = ?1 AND id != ?2 AND revoked = 0",
        )?
        .execute([user.as_str(), keep])?;
    // Tokens the admin API minted and nobody used yet have no session row:
    // recorded as revoked sessions, as `admin::revoke_all_sessions` does.
    conn.prepare_cached(
        "INSERT OR IGNORE INTO sessions (id, user, platform, device, created_at, expires_at, revoked)
         SELECT session, user, 'web', 'minted', 0, expires_at, 1 FROM minted_tokens
         WHERE user = ?1 AND session != ?2",
    )?
    .execute([user.as_str(), keep])?;
    conn.prepare_cached("DELETE FROM minted_tokens WHERE user = ?1 AND session != ?2")?
        .execute([user.as_str(), keep])?;
    Ok(n)
}

/// Replaces `user`'s password hash.
pub fn set_password_hash(conn: &Connection, user: &UserId, hash: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?
        .execute([user.as_str(), hash])?;
    Ok(())
}

/// Marks a session revoked; its token stops working.
pub fn revoke_session(conn: &Connection, id: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sessions SET revoked = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The session `id`, if it exists.
pub fn session(conn: &Connection, id: &str) -> StoreResult<Option<SessionRow>> {
    conn.prepare_cached("SELECT user, revoked FROM sessions WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))
        .optional()?
        .map(|(user, revoked)| {
            Ok(SessionRow {
                user: parse_user(user)?,
                revoked,
            })
        })
        .transpose()
}

/// Creates a session row for a token minted by a trusted backend (no login happened).
pub fn ensure_session(conn: &Connection, s: &NewSession) -> StoreResult<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO sessions (id, user, platform, device, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
        params![s.id, s.user.as_str(), s.platform.as_str(), s.device, s.created_at, s.expires_at],
    )?;
    Ok(())
}

/// The profile of `user`.
pub fn profile(conn: &Connection, user: &UserId) -> StoreResult<Option<Profile>> {
    conn.prepare_cached("SELECT id, nickname, avatar, signature FROM users WHERE id = ?1")?
        .query_row([user.as_str()], profile_row)
        .optional()?
        .transpose()
}

/// Profiles of the given users; unknown ids are left out.
pub fn profiles(conn: &Connection, users: &[UserId]) -> StoreResult<Vec<Profile>> {
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        if let Some(p) = profile(conn, u)? {
            out.push(p);
        }
    }
    Ok(out)
}

/// Applies the given profile fields and returns the profile as it is now, and
/// whether that changed it (fields left out or set to what they were do not).
pub fn set_profile(
    conn: &Connection,
    user: &UserId,
    nickname: Option<&str>,
    avatar: Option<&FileId>,
    signature: Option<&str>,
) -> StoreResult<(Profile, bool)> {
    if let Some(id) = avatar {
        check_avatar(conn, id, user)?;
    }
    let before = profile(conn, user)?;
    conn.prepare_cached(
        "UPDATE users SET nickname = COALESCE(?2, nickname), avatar = COALESCE(?3, avatar),
         signature = COALESCE(?4, signature) WHERE id = ?1",
    )?
    .execute(params![
        user.as_str(),
        nickname,
        avatar.map(|a| a.as_str()),
        signature
    ])?;
    let now = profile(conn, user)?
        .ok_or_else(|| StoreError::rejected(ErrorCode::NotFound, format!("no user `{user}`")))?;
    let changed = before.as_ref() != Some(&now);
    Ok((now, changed))
}

/// Users whose id or nickname contains `query` (case-insensitive for ASCII);
/// the reserved `system` sender is never listed.
pub fn search_users(conn: &Connection, query: &str, limit: u32) -> StoreResult<Vec<Profile>> {
    let pattern = like_pattern(query);
    let mut stmt = conn.prepare(
        "SELECT id, nickname, avatar, signature FROM users
         WHERE (id LIKE ?1 ESCAPE '\\' OR nickname LIKE ?1 ESCAPE '\\') AND id != ?3 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit, SYSTEM_USER], profile_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

/// `%query%` with LIKE's wildcards escaped.
pub fn like_pattern(query: &str) -> String {
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Reads `id, nickname, avatar, signature` into a profile.
pub fn profile_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoreResult<Profile>> {
    let id: String = r.get(0)?;
    let nickname: String = r.get(1)?;
    let avatar: Option<String> = r.get(2)?;
    let signature: String = r.get(3)?;
    Ok((|| {
        Ok(Profile {
            user: parse_user(id)?,
            nickname,
            avatar: avatar.map(FileId::new).transpose().map_err(corrupt)?,
            signature,
        })
    })())
}

/// Parses a stored user id.
pub fn parse_user(s: String) -> StoreResult<UserId> {
    UserId::new(s).map_err(corrupt)
}

fn corrupt(e: tern_proto::IdError) -> StoreError {
    StoreError::Corrupt(format!("id: {e}"))
}

/// Refuses `to` when it is the reserved `system` account, which only sends
/// notices: messages, typing indicators and friend applications to it answer
/// `SystemAccount` (4005). (An account that registered the id before it was
/// reserved is an ordinary user.)
pub fn refuse_system_target(conn: &Connection, to: &UserId, what: &str) -> StoreResult<()> {
    if to.as_str() == SYSTEM_USER && system_user_is_reserved(conn)? {
        return Err(StoreError::rejected(
            ErrorCode::SystemAccount,
            format!("`system` is the server's notice account and takes no {what}"),
        ));
    }
    Ok(())
}

/// Whether the `system` row is the reserved one (and not an account someone
/// registered before the id was reserved).
pub fn system_user_is_reserved(conn: &Connection) -> StoreResult<bool> {
    let hash: Option<String> = conn
        .query_row(
            "SELECT password_hash FROM users WHERE id = ?1",
            [SYSTEM_USER],
            |r| r.get(0),
        )
        .optional()?;
    Ok(hash.as_deref() == Some("!"))
}

/// An avatar must be an image `user` uploaded: an avatar is readable by
/// everyone, so making any other file one would publish it (a file seen in a
/// group, say, after being kicked from it).
pub fn check_avatar(conn: &Connection, id: &FileId, user: &UserId) -> StoreResult<()> {
    let mime: Option<String> = conn
        .prepare_cached("SELECT mime FROM files WHERE id = ?1 AND uploader = ?2")?
        .query_row([id.as_str(), user.as_str()], |r| r.get(0))
        .optional()?;
    match mime {
        Some(m) if m.starts_with("image/") => Ok(()),
        Some(m) => Err(StoreError::rejected(
            ErrorCode::InvalidArgument,
            format!("an avatar must be an image; `{id}` is {m}"),
        )),
        None => Err(StoreError::rejected(
            ErrorCode::Forbidden,
            format!("an avatar must be an image you uploaded; `{id}` is not one of your uploads"),
        )),
    }
}
