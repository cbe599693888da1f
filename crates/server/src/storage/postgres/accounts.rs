//! Users, profiles and sessions on PostgreSQL (a port of `sqlite::accounts`;
//! uploaded files are in [`super::files`]).

use tern_proto::{ErrorCode, FileId, Profile, UserId, SYSTEM_USER};
use tokio_postgres::Row;

use super::{corrupt, parse_user, Tx};
use crate::config::MultiDevicePolicy;
use crate::storage::sqlite::accounts::like_pattern;
use crate::storage::{NewSession, SessionRow, StoreError, StoreResult};

pub(super) fn not_found(user: &UserId) -> StoreError {
    StoreError::rejected(ErrorCode::NotFound, format!("no user `{user}`"))
}

/// Creates a user; `UserExists` if the id is taken (or was a deleted user's).
pub(super) async fn create_user(
    c: &Tx<'_>,
    user: &UserId,
    hash: &str,
    now: i64,
) -> StoreResult<()> {
    let n = c
        .execute(
            "INSERT INTO users (id, password_hash, created_at)
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM deleted_users WHERE id = $1)
             ON CONFLICT (id) DO NOTHING",
            &[&user.as_str(), &hash, &now],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::rejected(
            ErrorCode::UserExists,
            format!("user id `{user}` is taken"),
        ));
    }
    Ok(())
}

pub(super) async fn password_hash(c: &Tx<'_>, user: &UserId) -> StoreResult<Option<String>> {
    let row = c
        .query_opt(
            "SELECT password_hash FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub(super) async fn user_exists(c: &Tx<'_>, user: &UserId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM users WHERE id = $1)",
        &[&user.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub(super) async fn require_user(c: &Tx<'_>, user: &UserId) -> StoreResult<()> {
    if user_exists(c, user).await? {
        Ok(())
    } else {
        Err(not_found(user))
    }
}

pub(super) async fn ids(c: &Tx<'_>, rows: Vec<Row>) -> StoreResult<Vec<String>> {
    let _ = c;
    rows.iter()
        .map(|r| r.try_get::<_, String>(0).map_err(StoreError::from))
        .collect()
}

/// Inserts the session and revokes the ones the policy displaces; returns them.
pub(super) async fn create_session(
    c: &Tx<'_>,
    s: &NewSession,
    policy: MultiDevicePolicy,
) -> StoreResult<Vec<String>> {
    let displaced = match policy {
        MultiDevicePolicy::All => Vec::new(),
        MultiDevicePolicy::PerPlatform => {
            let rows = c
                .query(
                    "SELECT id FROM sessions WHERE user_id = $1 AND NOT revoked
                     AND expires_at > $2 AND platform = $3",
                    &[&s.user.as_str(), &s.created_at, &s.platform.as_str()],
                )
                .await?;
            ids(c, rows).await?
        }
        MultiDevicePolicy::Single => {
            let rows = c
                .query(
                    "SELECT id FROM sessions WHERE user_id = $1 AND NOT revoked AND expires_at > $2",
                    &[&s.user.as_str(), &s.created_at],
                )
                .await?;
            ids(c, rows).await?
        }
    };
    for id in &displaced {
        revoke_session(c, id).await?;
    }
    c.execute(
        "INSERT INTO sessions (id, user_id, platform, device, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &s.id,
            &s.user.as_str(),
            &s.platform.as_str(),
            &s.device,
            &s.created_at,
            &s.expires_at,
        ],
    )
    .await?;
    Ok(displaced)
}

pub(super) async fn prune_sessions(c: &Tx<'_>, cutoff: i64) -> StoreResult<usize> {
    let n = c
        .execute("DELETE FROM sessions WHERE expires_at < $1", &[&cutoff])
        .await?;
    c.execute(
        "DELETE FROM minted_tokens WHERE expires_at < $1",
        &[&cutoff],
    )
    .await?;
    Ok(n as usize)
}

pub(super) async fn revoke_other_sessions(
    c: &Tx<'_>,
    user: &UserId,
    keep: &str,
) -> StoreResult<usize> {
    let n = c
        .execute(
            "UPDATE sessions SET revoked = TRUE WHERE user_id = $1 AND id <> $2 AND NOT revoked",
            &[&user.as_str(), &keep],
        )
        .await?;
    // Tokens the admin API minted and nobody used yet have no session row:
    // recorded as revoked sessions, as `admin::revoke_all_sessions` does.
    c.execute(
        "INSERT INTO sessions (id, user_id, platform, device, created_at, expires_at, revoked)
         SELECT session, user_id, 'web', 'minted', 0, expires_at, TRUE FROM minted_tokens
         WHERE user_id = $1 AND session <> $2 ON CONFLICT (id) DO NOTHING",
        &[&user.as_str(), &keep],
    )
    .await?;
    c.execute(
        "DELETE FROM minted_tokens WHERE user_id = $1 AND session <> $2",
        &[&user.as_str(), &keep],
    )
    .await?;
    Ok(n as usize)
}

pub(super) async fn set_password_hash(c: &Tx<'_>, user: &UserId, hash: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        &[&user.as_str(), &hash],
    )
    .await?;
    Ok(())
}

pub(super) async fn revoke_session(c: &Tx<'_>, id: &str) -> StoreResult<()> {
    c.execute("UPDATE sessions SET revoked = TRUE WHERE id = $1", &[&id])
        .await?;
    Ok(())
}

pub(super) async fn session(c: &Tx<'_>, id: &str) -> StoreResult<Option<SessionRow>> {
    let Some(r) = c
        .query_opt(
            "SELECT user_id, revoked FROM sessions WHERE id = $1",
            &[&id],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SessionRow {
        user: parse_user(r.try_get(0)?)?,
        revoked: r.try_get(1)?,
    }))
}

/// Reads `id, nickname, avatar, signature` (from column `at`) into a profile.
pub(super) fn profile_row(r: &Row, at: usize) -> StoreResult<Profile> {
    let avatar: Option<String> = r.try_get(at + 2)?;
    Ok(Profile {
        user: parse_user(r.try_get(at)?)?,
        nickname: r.try_get(at + 1)?,
        avatar: avatar.map(FileId::new).transpose().map_err(corrupt)?,
        signature: r.try_get(at + 3)?,
    })
}

pub(super) async fn profile(c: &Tx<'_>, user: &UserId) -> StoreResult<Option<Profile>> {
    c.query_opt(
        "SELECT id, nickname, avatar, signature FROM users WHERE id = $1",
        &[&user.as_str()],
    )
    .await?
    .map(|r| profile_row(&r, 0))
    .transpose()
}

pub(super) async fn profiles(c: &Tx<'_>, users: &[UserId]) -> StoreResult<Vec<Profile>> {
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        if let Some(p) = profile(c, u).await? {
            out.push(p);
        }
    }
    Ok(out)
}

pub(super) async fn my_profile(c: &Tx<'_>, me: &UserId) -> StoreResult<Profile> {
    profile(c, me).await?.ok_or_else(|| not_found(me))
}

pub(super) async fn set_profile(
    c: &Tx<'_>,
    user: &UserId,
    nickname: Option<&str>,
    avatar: Option<&FileId>,
    signature: Option<&str>,
) -> StoreResult<(Profile, bool)> {
    if let Some(id) = avatar {
        check_avatar(c, id, user).await?;
    }
    let before = profile(c, user).await?;
    c.execute(
        "UPDATE users SET nickname = COALESCE($2, nickname), avatar = COALESCE($3, avatar),
         signature = COALESCE($4, signature) WHERE id = $1",
        &[
            &user.as_str(),
            &nickname,
            &avatar.map(|a| a.as_str()),
            &signature,
        ],
    )
    .await?;
    let now = profile(c, user).await?.ok_or_else(|| not_found(user))?;
    let changed = before.as_ref() != Some(&now);
    Ok((now, changed))
}

/// Users whose id or nickname contains `query` (case-insensitive); never `system`.
pub(super) async fn search_users(c: &Tx<'_>, query: &str, limit: u32) -> StoreResult<Vec<Profile>> {
    let rows = c
        .query(
            "SELECT id, nickname, avatar, signature FROM users
             WHERE (id ILIKE $1 ESCAPE '\\' OR nickname ILIKE $1 ESCAPE '\\') AND id <> $3
             ORDER BY id COLLATE \"C\" LIMIT $2",
            &[&like_pattern(query), &i64::from(limit), &SYSTEM_USER],
        )
        .await?;
    rows.iter().map(|r| profile_row(r, 0)).collect()
}

/// `SystemAccount` when `to` is the reserved `system` account.
pub(super) async fn refuse_system_target(c: &Tx<'_>, to: &UserId, what: &str) -> StoreResult<()> {
    if to.as_str() == SYSTEM_USER && system_user_is_reserved(c).await? {
        return Err(StoreError::rejected(
            ErrorCode::SystemAccount,
            format!("`system` is the server's notice account and takes no {what}"),
        ));
    }
    Ok(())
}

pub(super) async fn system_user_is_reserved(c: &Tx<'_>) -> StoreResult<bool> {
    let hash = password_hash(c, &UserId::new(SYSTEM_USER).map_err(corrupt)?).await?;
    Ok(hash.as_deref() == Some("!"))
}

/// An avatar must be an image `user` uploaded.
pub(super) async fn check_avatar(c: &Tx<'_>, id: &FileId, user: &UserId) -> StoreResult<()> {
    let mime: Option<String> = c
        .query_opt(
            "SELECT mime FROM files WHERE id = $1 AND uploader = $2",
            &[&id.as_str(), &user.as_str()],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
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
