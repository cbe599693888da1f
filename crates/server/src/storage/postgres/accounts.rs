//! Users, profiles, sessions and uploaded files on PostgreSQL (ports of
//! `sqlite::{accounts, files}`).

use tern_proto::{
    Content, ConversationId, ErrorCode, FileId, FileRef, Profile, UserId, SYSTEM_USER,
};
use tokio_postgres::Row;

use super::{corrupt, parse_user, Tx};
use crate::config::MultiDevicePolicy;
use crate::storage::sqlite::accounts::like_pattern;
use crate::storage::{FileRow, NewSession, SessionRow, StoreError, StoreResult};

pub(super) fn not_found(user: &UserId) -> StoreError {
    StoreError::rejected(ErrorCode::NotFound, format!("no user `{user}`"))
}

/// Creates a user; `UserExists` if the id is taken (or was a deleted user's).
pub async fn create_user(c: &Tx<'_>, user: &UserId, hash: &str, now: i64) -> StoreResult<()> {
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

pub async fn password_hash(c: &Tx<'_>, user: &UserId) -> StoreResult<Option<String>> {
    let row = c
        .query_opt(
            "SELECT password_hash FROM users WHERE id = $1",
            &[&user.as_str()],
        )
        .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

pub async fn user_exists(c: &Tx<'_>, user: &UserId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM users WHERE id = $1)",
        &[&user.as_str()],
    )
    .await?
    .try_get(0)?)
}

pub async fn require_user(c: &Tx<'_>, user: &UserId) -> StoreResult<()> {
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
pub async fn create_session(
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

pub async fn prune_sessions(c: &Tx<'_>, cutoff: i64) -> StoreResult<usize> {
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

pub async fn revoke_other_sessions(c: &Tx<'_>, user: &UserId, keep: &str) -> StoreResult<usize> {
    Ok(c.execute(
        "UPDATE sessions SET revoked = TRUE WHERE user_id = $1 AND id <> $2 AND NOT revoked",
        &[&user.as_str(), &keep],
    )
    .await? as usize)
}

pub async fn set_password_hash(c: &Tx<'_>, user: &UserId, hash: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE users SET password_hash = $2 WHERE id = $1",
        &[&user.as_str(), &hash],
    )
    .await?;
    Ok(())
}

pub async fn revoke_session(c: &Tx<'_>, id: &str) -> StoreResult<()> {
    c.execute("UPDATE sessions SET revoked = TRUE WHERE id = $1", &[&id])
        .await?;
    Ok(())
}

pub async fn session(c: &Tx<'_>, id: &str) -> StoreResult<Option<SessionRow>> {
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
pub fn profile_row(r: &Row, at: usize) -> StoreResult<Profile> {
    let avatar: Option<String> = r.try_get(at + 2)?;
    Ok(Profile {
        user: parse_user(r.try_get(at)?)?,
        nickname: r.try_get(at + 1)?,
        avatar: avatar.map(FileId::new).transpose().map_err(corrupt)?,
        signature: r.try_get(at + 3)?,
    })
}

pub async fn profile(c: &Tx<'_>, user: &UserId) -> StoreResult<Option<Profile>> {
    c.query_opt(
        "SELECT id, nickname, avatar, signature FROM users WHERE id = $1",
        &[&user.as_str()],
    )
    .await?
    .map(|r| profile_row(&r, 0))
    .transpose()
}

pub async fn profiles(c: &Tx<'_>, users: &[UserId]) -> StoreResult<Vec<Profile>> {
    let mut out = Vec::with_capacity(users.len());
    for u in users {
        if let Some(p) = profile(c, u).await? {
            out.push(p);
        }
    }
    Ok(out)
}

pub async fn my_profile(c: &Tx<'_>, me: &UserId) -> StoreResult<Profile> {
    profile(c, me).await?.ok_or_else(|| not_found(me))
}

pub async fn set_profile(
    c: &Tx<'_>,
    user: &UserId,
    nickname: Option<&str>,
    avatar: Option<&FileId>,
    signature: Option<&str>,
) -> StoreResult<Profile> {
    if let Some(id) = avatar {
        check_avatar(c, id, user).await?;
    }
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
    profile(c, user).await?.ok_or_else(|| not_found(user))
}

/// Users whose id or nickname contains `query` (case-insensitive); never `system`.
pub async fn search_users(c: &Tx<'_>, query: &str, limit: u32) -> StoreResult<Vec<Profile>> {
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
pub async fn refuse_system_target(c: &Tx<'_>, to: &UserId, what: &str) -> StoreResult<()> {
    if to.as_str() == SYSTEM_USER && system_user_is_reserved(c).await? {
        return Err(StoreError::rejected(
            ErrorCode::SystemAccount,
            format!("`system` is the server's notice account and takes no {what}"),
        ));
    }
    Ok(())
}

pub async fn system_user_is_reserved(c: &Tx<'_>) -> StoreResult<bool> {
    let hash = password_hash(c, &UserId::new(SYSTEM_USER).map_err(corrupt)?).await?;
    Ok(hash.as_deref() == Some("!"))
}

/// An avatar must be an image `user` uploaded.
pub async fn check_avatar(c: &Tx<'_>, id: &FileId, user: &UserId) -> StoreResult<()> {
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

// ---------------------------------------------------------------- files

pub async fn insert_file(c: &Tx<'_>, row: &FileRow) -> StoreResult<()> {
    c.execute(
        "INSERT INTO files (id, sha256, size, mime, name, uploader, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &row.file.id.as_str(),
            &row.sha256,
            &(row.file.size as i64),
            &row.file.mime,
            &row.file.name,
            &row.uploader.as_str(),
            &row.created_at,
        ],
    )
    .await?;
    Ok(())
}

/// The upload `id` if `user` may read it (see `sqlite::files::readable`).
pub async fn readable_file(c: &Tx<'_>, id: &FileId, user: &UserId) -> StoreResult<Option<FileRow>> {
    let Some(r) = c
        .query_opt(
            "SELECT sha256, size, mime, name, uploader, created_at FROM files WHERE id = $1",
            &[&id.as_str()],
        )
        .await?
    else {
        return Ok(None);
    };
    let row = FileRow {
        file: FileRef {
            id: id.clone(),
            name: r.try_get(3)?,
            size: r.try_get::<_, i64>(1)? as u64,
            mime: r.try_get(2)?,
        },
        sha256: r.try_get(0)?,
        uploader: parse_user(r.try_get(4)?)?,
        created_at: r.try_get(5)?,
    };
    if &row.uploader == user {
        return Ok(Some(row));
    }
    let visible: bool = c
        .query_one(
            "SELECT EXISTS(SELECT 1 FROM file_refs r JOIN members m ON m.conv = r.conv
               WHERE r.file = $1 AND m.user_id = $2 AND r.last_seq > m.visible_from)
             OR EXISTS(SELECT 1 FROM users WHERE avatar = $1)
             OR EXISTS(SELECT 1 FROM groups WHERE avatar = $1)",
            &[&id.as_str(), &user.as_str()],
        )
        .await?
        .try_get(0)?;
    Ok(visible.then_some(row))
}

/// A recalled message no longer grants access to the file it carried.
pub async fn forget_reference(
    c: &Tx<'_>,
    conv: &ConversationId,
    content: &Content,
) -> StoreResult<()> {
    let Some(file) = crate::storage::sqlite::files::referenced_file(content) else {
        return Ok(());
    };
    let conv = conv.to_string();
    let newest: Option<i64> = c
        .query_one(
            "SELECT MAX(seq) FROM messages WHERE conv = $1 AND recalled_at IS NULL
             AND (content::jsonb -> 'file' ->> 'id') = $2",
            &[&conv, &file.id.as_str()],
        )
        .await?
        .try_get(0)?;
    match newest {
        Some(seq) => {
            c.execute(
                "UPDATE file_refs SET last_seq = $3 WHERE file = $1 AND conv = $2",
                &[&file.id.as_str(), &conv, &seq],
            )
            .await?
        }
        None => {
            c.execute(
                "DELETE FROM file_refs WHERE file = $1 AND conv = $2",
                &[&file.id.as_str(), &conv],
            )
            .await?
        }
    };
    Ok(())
}

/// A stored message referencing a file the sender may read lets the
/// conversation's members read it.
pub async fn record_reference(
    c: &Tx<'_>,
    sender: &UserId,
    conv: &ConversationId,
    seq: i64,
    content: &Content,
    now: i64,
) -> StoreResult<()> {
    let Some(file) = crate::storage::sqlite::files::referenced_file(content) else {
        return Ok(());
    };
    if readable_file(c, &file.id, sender).await?.is_none() {
        return Ok(());
    }
    c.execute(
        "INSERT INTO file_refs (file, conv, created_at, last_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (file, conv) DO UPDATE
           SET last_seq = GREATEST(file_refs.last_seq, excluded.last_seq)",
        &[&file.id.as_str(), &conv.to_string(), &now, &seq],
    )
    .await?;
    Ok(())
}

/// Deletes unreferenced uploads made before `cutoff`; returns the sha256 of
/// blobs no upload uses any more.
pub async fn collect_garbage(c: &Tx<'_>, cutoff: i64) -> StoreResult<Vec<String>> {
    let rows = c
        .query(
            "SELECT f.id, f.sha256 FROM files f WHERE f.created_at < $1
               AND NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.file = f.id)
               AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar = f.id)
               AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.avatar = f.id)
             LIMIT $2",
            &[&cutoff, &(crate::storage::sqlite::files::GC_BATCH as i64)],
        )
        .await?;
    let mut orphans: Vec<String> = Vec::new();
    for r in rows {
        let (id, sha): (String, String) = (r.try_get(0)?, r.try_get(1)?);
        c.execute("DELETE FROM files WHERE id = $1", &[&id]).await?;
        let left: i64 = c
            .query_one("SELECT COUNT(*) FROM files WHERE sha256 = $1", &[&sha])
            .await?
            .try_get(0)?;
        if left == 0 && !orphans.contains(&sha) {
            orphans.push(sha);
        }
    }
    Ok(orphans)
}

pub async fn bytes_of(c: &Tx<'_>, user: &UserId) -> StoreResult<u64> {
    let n: i64 = c
        .query_one(
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM files WHERE uploader = $1",
            &[&user.as_str()],
        )
        .await?
        .try_get(0)?;
    Ok(n as u64)
}
