//! Uploaded files and their references on PostgreSQL (a port of
//! `sqlite::files`).

use tern_proto::{Content, ConversationId, FileId, FileRef, UserId};

use super::{parse_user, Tx};
use crate::storage::{FileRow, StoreResult};
use futures_util::TryStreamExt;

pub(super) async fn insert_file(c: &Tx<'_>, row: &FileRow) -> StoreResult<()> {
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
pub(super) async fn readable_file(
    c: &Tx<'_>,
    id: &FileId,
    user: &UserId,
) -> StoreResult<Option<FileRow>> {
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

/// A recalled message (at `seq`) no longer grants access to the files it
/// carried (its own, or every one inside a chat history) unless another live
/// message of `conv` still references them; only files it granted, each once
/// (see `sqlite::files::forget_reference`).
pub(super) async fn forget_reference(
    c: &Tx<'_>,
    conv: &ConversationId,
    seq: u64,
    content: &Content,
) -> StoreResult<()> {
    let conv = conv.to_string();
    let seq = seq as i64;
    for id in crate::storage::sqlite::files::distinct_files(content) {
        let last: Option<i64> = c
            .query_opt(
                "SELECT last_seq FROM file_refs WHERE file = $1 AND conv = $2",
                &[&id.as_str(), &conv],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if last != Some(seq) {
            continue;
        }
        // Read as they come; the rest is discarded once one is found.
        let newest = {
            let candidates = c
                .query_stream(
                    "SELECT seq, content FROM messages WHERE conv = $1 AND seq < $3
                     AND recalled_at IS NULL AND strpos(content, $2) > 0 ORDER BY seq DESC",
                    &[&conv, &id.as_str(), &seq],
                )
                .await?;
            futures_util::pin_mut!(candidates);
            let mut newest: Option<i64> = None;
            while let Some(r) = candidates.try_next().await? {
                let content: String = r.try_get(1)?;
                if crate::storage::sqlite::files::references(&content, id) {
                    newest = Some(r.try_get(0)?);
                    break;
                }
            }
            newest
        };
        match newest {
            Some(newest) => {
                c.execute(
                    "UPDATE file_refs SET last_seq = $3 WHERE file = $1 AND conv = $2",
                    &[&id.as_str(), &conv, &newest],
                )
                .await?
            }
            None => {
                c.execute(
                    "DELETE FROM file_refs WHERE file = $1 AND conv = $2",
                    &[&id.as_str(), &conv],
                )
                .await?
            }
        };
    }
    Ok(())
}

/// A stored message referencing a file the sender may read lets the
/// conversation's members read it.
pub(super) async fn record_reference(
    c: &Tx<'_>,
    sender: &UserId,
    conv: &ConversationId,
    seq: i64,
    content: &Content,
    now: i64,
) -> StoreResult<()> {
    for file in crate::storage::sqlite::files::referenced_files(content) {
        if readable_file(c, &file.id, sender).await?.is_none() {
            continue;
        }
        c.execute(
            "INSERT INTO file_refs (file, conv, created_at, last_seq) VALUES ($1, $2, $3, $4)
             ON CONFLICT (file, conv) DO UPDATE
               SET last_seq = GREATEST(file_refs.last_seq, excluded.last_seq)",
            &[&file.id.as_str(), &conv.to_string(), &now, &seq],
        )
        .await?;
    }
    Ok(())
}

/// Deletes unreferenced uploads made before `cutoff`; returns the sha256 of
/// blobs no upload uses any more.
pub(super) async fn collect_garbage(c: &Tx<'_>, cutoff: i64) -> StoreResult<Vec<String>> {
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

pub(super) async fn bytes_of(c: &Tx<'_>, user: &UserId) -> StoreResult<u64> {
    let n: i64 = c
        .query_one(
            "SELECT COALESCE(SUM(size), 0)::BIGINT FROM files WHERE uploader = $1",
            &[&user.as_str()],
        )
        .await?
        .try_get(0)?;
    Ok(n as u64)
}
