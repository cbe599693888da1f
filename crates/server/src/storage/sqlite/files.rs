//! Uploaded files: one row per upload (a server-generated id naming a
//! content-addressed blob), and the conversations whose messages reference a
//! file, which decide who may download it.

use crate::storage::FileRow;
use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, ConversationId, FileId, FileRef, UserId};

use super::StoreResult;

/// Records an upload.
pub fn insert(conn: &Connection, row: &FileRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO files (id, sha256, size, mime, name, uploader, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.file.id.as_str(),
        row.sha256,
        row.file.size as i64,
        row.file.mime,
        row.file.name,
        row.uploader.as_str(),
        row.created_at
    ])?;
    Ok(())
}

/// The upload `id`, if `user` may read it: `user` uploaded it, or is a member
/// of a conversation with a message referencing it, or it is some user's or
/// group's avatar. `None` both for an unknown id and a refused one, so callers
/// cannot tell them apart.
pub fn readable(conn: &Connection, id: &FileId, user: &UserId) -> StoreResult<Option<FileRow>> {
    let row = conn
        .prepare_cached(
            "SELECT sha256, size, mime, name, uploader, created_at FROM files WHERE id = ?1",
        )?
        .query_row([id.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .optional()?;
    let Some((sha256, size, mime, name, uploader, created_at)) = row else {
        return Ok(None);
    };
    let row = FileRow {
        file: FileRef {
            id: id.clone(),
            name,
            size: size as u64,
            mime,
        },
        sha256,
        uploader: super::accounts::parse_user(uploader)?,
        created_at,
    };
    if &row.uploader == user || referenced_for(conn, id, user)? || is_avatar(conn, id)? {
        Ok(Some(row))
    } else {
        Ok(None)
    }
}

/// Whether a message referencing `id` is in a conversation `user` is a member
/// of, and not from before they joined (see `messages::visible_from`).
fn referenced_for(conn: &Connection, id: &FileId, user: &UserId) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM file_refs r JOIN members m ON m.conv = r.conv
             WHERE r.file = ?1 AND m.user = ?2 AND r.last_seq > m.visible_from)",
        )?
        .query_row([id.as_str(), user.as_str()], |r| r.get(0))?)
}

/// Whether `id` is a user's avatar, or a group's (when groups exist).
fn is_avatar(conn: &Connection, id: &FileId) -> StoreResult<bool> {
    let user: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM users WHERE avatar = ?1)")?
        .query_row([id.as_str()], |r| r.get(0))?;
    if user {
        return Ok(true);
    }
    let groups: bool = conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'groups')",
        )?
        .query_row([], |r| r.get(0))?;
    if !groups {
        return Ok(false);
    }
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM groups WHERE avatar = ?1)")?
        .query_row([id.as_str()], |r| r.get(0))?)
}

/// Called when the message at `seq` is recalled: for each file it carried
/// (its own, or every one inside a chat history), members of `conv` keep
/// access only through another live message of `conv` that still references
/// it. Only files this message granted are looked at — a made-up id or
/// someone else's upload never got a `file_refs` row, and a newer live
/// reference keeps the row as it is — each once, so a chat history naming one
/// id thousands of times cannot make a recall scan the conversation for each.
pub fn forget_reference(
    conn: &Connection,
    conv: &ConversationId,
    seq: u64,
    content: &Content,
) -> StoreResult<()> {
    let key = conv.to_string();
    for id in distinct_files(content) {
        let last: Option<i64> = conn
            .prepare_cached("SELECT last_seq FROM file_refs WHERE file = ?1 AND conv = ?2")?
            .query_row(params![id.as_str(), key], |r| r.get(0))
            .optional()?;
        if last != Some(seq as i64) {
            continue;
        }
        match newest_reference(conn, &key, id, seq)? {
            Some(seq) => conn
                .prepare_cached("UPDATE file_refs SET last_seq = ?3 WHERE file = ?1 AND conv = ?2")?
                .execute(params![id.as_str(), key, seq])?,
            None => conn
                .prepare_cached("DELETE FROM file_refs WHERE file = ?1 AND conv = ?2")?
                .execute([id.as_str(), &key])?,
        };
    }
    Ok(())
}

/// The files `content` references, each once.
pub fn distinct_files(content: &Content) -> Vec<&FileId> {
    let mut ids: Vec<&FileId> = referenced_files(content)
        .into_iter()
        .map(|f| &f.id)
        .collect();
    ids.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
    ids.dedup();
    ids
}

/// The seq of the newest live (not recalled) message of `conv` below `below`
/// whose content references `id`, directly or inside a chat history. The SQL
/// narrows to messages whose JSON mentions the id; the content decides.
fn newest_reference(
    conn: &Connection,
    conv: &str,
    id: &FileId,
    below: u64,
) -> StoreResult<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, content FROM messages WHERE conv = ?1 AND seq < ?3 AND recalled_at IS NULL
         AND instr(content, ?2) > 0 ORDER BY seq DESC",
    )?;
    let mut rows = stmt.query(params![conv, id.as_str(), below as i64])?;
    while let Some(r) = rows.next()? {
        let content: String = r.get(1)?;
        if references(&content, id) {
            return Ok(Some(r.get(0)?));
        }
    }
    Ok(None)
}

/// Whether stored message content (JSON) references the file `id`.
pub fn references(content: &str, id: &FileId) -> bool {
    serde_json::from_str::<Content>(content)
        .is_ok_and(|c| referenced_files(&c).iter().any(|f| &f.id == id))
}

/// The file a message's content references, if any.
pub fn referenced_file(content: &Content) -> Option<&FileRef> {
    match content {
        Content::Image { file, .. }
        | Content::File { file }
        | Content::Audio { file, .. }
        | Content::Video { file, .. } => Some(file),
        _ => None,
    }
}

/// Every file a message's content references: its own, or each one inside a
/// chat history (merged forward), nested histories included.
pub fn referenced_files(content: &Content) -> Vec<&FileRef> {
    match content {
        Content::ChatHistory { items, .. } => items
            .iter()
            .flat_map(|i| referenced_files(&i.content))
            .collect(),
        other => referenced_file(other).into_iter().collect(),
    }
}

/// Called when a message is stored: if its content references a file the
/// sender may read, members of `conv` may read it from now on. A reference to
/// a file the sender cannot read (unknown id, someone else's upload) grants
/// nothing, so knowing an id is never enough to get at the bytes.
pub fn record_reference(
    conn: &Connection,
    sender: &UserId,
    conv: &ConversationId,
    seq: u64,
    content: &Content,
    now: i64,
) -> StoreResult<()> {
    for file in referenced_files(content) {
        if readable(conn, &file.id, sender)?.is_none() {
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO file_refs (file, conv, created_at, last_seq) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (file, conv) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)",
        )?
        .execute(params![file.id.as_str(), conv.to_string(), now, seq as i64])?;
    }
    Ok(())
}

/// Most uploads one garbage-collection pass deletes (one writer transaction).
pub const GC_BATCH: usize = 10_000;

/// Deletes uploads made before `cutoff` that nothing references: no message
/// grants access to them and they are nobody's avatar. Returns the sha256 of
/// the blobs that no upload uses any more (to delete after the commit).
pub fn collect_garbage(conn: &Connection, cutoff: i64) -> StoreResult<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.sha256 FROM files f WHERE f.created_at < ?1
           AND NOT EXISTS (SELECT 1 FROM file_refs r WHERE r.file = f.id)
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar = f.id)
           AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.avatar = f.id)
         LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![cutoff, GC_BATCH as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut orphans = Vec::new();
    for (id, sha) in rows {
        conn.prepare_cached("DELETE FROM files WHERE id = ?1")?
            .execute([&id])?;
        if count_by_sha(conn, &sha)? == 0 && !orphans.contains(&sha) {
            orphans.push(sha);
        }
    }
    Ok(orphans)
}

/// Bytes of all uploads `user` has stored (their quota use).
pub fn bytes_of(conn: &Connection, user: &UserId) -> StoreResult<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader = ?1")?
        .query_row([user.as_str()], |r| r.get(0))?;
    Ok(n as u64)
}

/// Number of uploads stored with `sha256` (tests and diagnostics).
pub fn count_by_sha(conn: &Connection, sha256: &str) -> StoreResult<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM files WHERE sha256 = ?1")?
        .query_row([sha256], |r| r.get(0))?;
    Ok(n as u64)
}
