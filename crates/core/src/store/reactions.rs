//! Reactions and pins in the cache: each message's current reactions (as the
//! server last sent them, kept apart from the message row so they may arrive
//! first), each conversation's pins, and how far each conversation's reaction
//! log and pin version have been applied.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ConversationId, Reaction, Seq};

use super::rows::ensure_conv;
use crate::error::{Detail, Error, Result};

/// The cached reactions of the message at `seq` of `conv`.
pub(crate) fn get(c: &Connection, conv: &ConversationId, seq: Seq) -> Result<Vec<Reaction>> {
    let raw: Option<String> = c
        .prepare_cached("SELECT reactions FROM message_reactions WHERE conv = ?1 AND seq = ?2")?
        .query_row(params![conv.to_string(), seq.0 as i64], |r| r.get(0))
        .optional()?;
    match raw {
        Some(raw) => serde_json::from_str(&raw).map_err(|e| Error::Storage(Detail::of(e))),
        None => Ok(Vec::new()),
    }
}

/// Stores the reactions of a message; returns whether they changed.
pub(crate) fn set(
    c: &Connection,
    conv: &ConversationId,
    seq: Seq,
    list: &[Reaction],
) -> Result<bool> {
    if get(c, conv, seq)? == list {
        return Ok(false);
    }
    if list.is_empty() {
        c.prepare_cached("DELETE FROM message_reactions WHERE conv = ?1 AND seq = ?2")?
            .execute(params![conv.to_string(), seq.0 as i64])?;
    } else {
        let raw = serde_json::to_string(list).map_err(|e| Error::Storage(Detail::of(e)))?;
        c.prepare_cached(
            "INSERT INTO message_reactions (conv, seq, reactions) VALUES (?1, ?2, ?3)
             ON CONFLICT (conv, seq) DO UPDATE SET reactions = excluded.reactions",
        )?
        .execute(params![conv.to_string(), seq.0 as i64, raw])?;
    }
    Ok(true)
}

/// The last reaction version of `conv` applied locally.
pub(crate) fn version(c: &Connection, conv: &ConversationId) -> Result<u64> {
    let v: Option<i64> = c
        .prepare_cached("SELECT reaction_version FROM conversations WHERE conv = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Records that `conv`'s reaction log has been applied up to `version`.
pub(crate) fn set_version(c: &Connection, conv: &ConversationId, version: u64) -> Result<()> {
    ensure_conv(c, conv)?;
    c.prepare_cached(
        "UPDATE conversations SET reaction_version = MAX(reaction_version, ?2) WHERE conv = ?1",
    )?
    .execute(params![conv.to_string(), version as i64])?;
    Ok(())
}

/// The cached pins of `conv`, most recently pinned first.
pub(crate) fn pins(c: &Connection, conv: &ConversationId) -> Result<Vec<tern_proto::Pin>> {
    let raw: Option<String> = c
        .prepare_cached("SELECT pins FROM conv_pins WHERE conv = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    match raw {
        Some(raw) => serde_json::from_str(&raw).map_err(|e| Error::Storage(Detail::of(e))),
        None => Ok(Vec::new()),
    }
}

/// Stores the pins of `conv` (and, with `version`, that the server's pin
/// version has been applied); returns whether the list changed.
pub(crate) fn set_pins(
    c: &Connection,
    conv: &ConversationId,
    list: &[tern_proto::Pin],
    version: Option<u64>,
) -> Result<bool> {
    let changed = pins(c, conv)? != list;
    if changed {
        let raw = serde_json::to_string(list).map_err(|e| Error::Storage(Detail::of(e)))?;
        c.prepare_cached(
            "INSERT INTO conv_pins (conv, pins) VALUES (?1, ?2)
             ON CONFLICT (conv) DO UPDATE SET pins = excluded.pins",
        )?
        .execute(params![conv.to_string(), raw])?;
    }
    if let Some(v) = version {
        ensure_conv(c, conv)?;
        c.prepare_cached(
            "UPDATE conversations SET pin_version = MAX(pin_version, ?2) WHERE conv = ?1",
        )?
        .execute(params![conv.to_string(), v as i64])?;
    }
    Ok(changed)
}

/// The last pin version of `conv` applied locally.
pub(crate) fn pin_version(c: &Connection, conv: &ConversationId) -> Result<u64> {
    let v: Option<i64> = c
        .prepare_cached("SELECT pin_version FROM conversations WHERE conv = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}
