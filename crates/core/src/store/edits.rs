//! Edited messages in the cache: the new text replaces the old one (and is
//! indexed for search in its place), `edited_at` records the edit, and each
//! conversation remembers how far its server edit log has been applied.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, ConversationId, Millis, Seq};

use super::rows::ensure_conv;
use super::search::unindex;
use crate::error::{Detail, Error, Result};

/// Gives the cached message at `seq` of `conv` the text `text`, edited at `at`,
/// unless it is not cached, recalled, or already holds an edit at least as new.
/// Returns whether it changed; a changed message is re-indexed for search (the
/// old text is no longer found, the new one is).
pub(crate) fn apply(
    c: &Connection,
    conv: &ConversationId,
    seq: Seq,
    text: &str,
    at: Millis,
) -> Result<bool> {
    let row: Option<(i64, String, Option<i64>)> = c
        .prepare_cached(
            "SELECT rowid, content, edited_at FROM messages WHERE conv = ?1 AND seq = ?2",
        )?
        .query_row(params![conv.to_string(), seq.0 as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((rowid, content, edited_at)) = row else {
        return Ok(false);
    };
    if edited_at.is_some_and(|e| e >= at) {
        return Ok(false);
    }
    if !matches!(serde_json::from_str(&content)?, Content::Text { .. }) {
        return Ok(false);
    }
    let new = serde_json::to_string(&Content::Text {
        text: text.to_string(),
    })
    .map_err(|e| Error::Storage(Detail::of(e)))?;
    c.prepare_cached("UPDATE messages SET content = ?2, edited_at = ?3 WHERE rowid = ?1")?
        .execute(params![rowid, new, at])?;
    // Out of the index with its old text; indexed again (new text) when idle or
    // before the next search.
    unindex(c, rowid)?;
    Ok(true)
}

/// The last edit version of `conv` applied locally.
pub(crate) fn edit_version(c: &Connection, conv: &ConversationId) -> Result<u64> {
    let v: Option<i64> = c
        .prepare_cached("SELECT edit_version FROM conversations WHERE conv = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Records that `conv`'s edit log has been applied up to `version`.
pub(crate) fn set_edit_version(c: &Connection, conv: &ConversationId, version: u64) -> Result<()> {
    ensure_conv(c, conv)?;
    c.prepare_cached(
        "UPDATE conversations SET edit_version = MAX(edit_version, ?2) WHERE conv = ?1",
    )?
    .execute(params![conv.to_string(), version as i64])?;
    Ok(())
}
