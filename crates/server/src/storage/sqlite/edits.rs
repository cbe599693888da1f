//! Editing text messages and the per-conversation edit log (SQLite).
//!
//! An edit replaces the message's text in place, stamps `edited_at` and moves
//! the message to the next position of its conversation's edit log
//! (`conversations.edit_version`), so a device that was offline asks `edits`
//! since the version it applied and gets every changed message once, with its
//! newest text.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, ConversationId, EditEntry, ErrorCode, Push, Seq, UserId};

use super::blacklist::{blocked_by, is_blocked};
use super::changelog::Delivery;
use super::messages::{check_access, members_seeing};
use super::{StoreError, StoreResult};
use crate::storage::api::TextEdit;
use crate::storage::budget::Budget;

/// The rules every edit checks before its message is looked at: a member of
/// `conv`, not muted there (groups), not blocked by the peer (one-to-one).
pub fn check_may_write(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    match conv {
        ConversationId::Group(g) => super::groups::check_can_post(conn, g, user, now),
        ConversationId::Direct(..) => {
            check_access(conn, user, conv)?;
            let peer = conv
                .peer_of(user)
                .expect("check_access: a party of the chat");
            if is_blocked(conn, peer, user)? {
                return Err(StoreError::rejected(
                    ErrorCode::Blocked,
                    format!("{peer} has blocked you"),
                ));
            }
            Ok(())
        }
    }
}

/// Applies `e` to `user`'s message in `conv`; returns its `edited_at`.
pub fn edit(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    e: &TextEdit,
    out: &mut Vec<Delivery>,
) -> StoreResult<i64> {
    check_may_write(conn, user, conv, e.now)?;
    let key = conv.to_string();
    let row = conn
        .prepare_cached(
            "SELECT sender, sent_at, content, edited_at FROM messages WHERE conv = ?1 AND seq = ?2",
        )?
        .query_row(params![key, e.seq.0.min(i64::MAX as u64) as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })
        .optional()?;
    let Some((sender, sent_at, content, edited_at)) = row else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv}", e.seq.0),
        ));
    };
    if sender != user.as_str() {
        return Err(StoreError::rejected(
            ErrorCode::NotSender,
            "you can only edit your own messages",
        ));
    }
    let current = match serde_json::from_str::<Content>(&content)? {
        Content::Text { text } => text,
        Content::Recalled { .. } => {
            return Err(StoreError::rejected(
                ErrorCode::NotEditable,
                format!("message {} was recalled", e.seq.0),
            ))
        }
        _ => {
            return Err(StoreError::rejected(
                ErrorCode::NotEditable,
                "only text messages can be edited",
            ))
        }
    };
    if e.window_ms > 0 && e.now - sent_at > e.window_ms {
        return Err(StoreError::rejected(
            ErrorCode::EditWindowExpired,
            format!(
                "messages can only be edited within {} s of sending",
                e.window_ms / 1000
            ),
        ));
    }
    if current == e.text {
        // A repeat of the same edit (a retry): nothing changes, nobody is told.
        return Ok(edited_at.unwrap_or(sent_at));
    }
    let version: i64 = conn
        .prepare_cached(
            "UPDATE conversations SET edit_version = edit_version + 1 WHERE id = ?1
             RETURNING edit_version",
        )?
        .query_row([&key], |r| r.get(0))?;
    let new = Content::Text {
        text: e.text.clone(),
    };
    conn.prepare_cached(
        "UPDATE messages SET content = ?3, edited_at = ?4, edit_version = ?5
         WHERE conv = ?1 AND seq = ?2",
    )?
    .execute(params![
        key,
        e.seq.0 as i64,
        serde_json::to_string(&new)?,
        e.now,
        version
    ])?;
    let push = Push::Edited {
        conv: conv.clone(),
        seq: e.seq,
        text: e.text.clone(),
        edited_at: e.now,
    };
    // Not to members who joined after it (a group hiding its history from them).
    let mut to = members_seeing(conn, conv, e.seq)?;
    if matches!(conv, ConversationId::Group(_)) {
        // Like its message: not pushed to whoever blocked the sender.
        let blockers = blocked_by(conn, user)?;
        to.retain(|m| !blockers.contains(m));
    }
    for m in to {
        out.push(Delivery {
            user: m,
            push: push.clone(),
        });
    }
    Ok(e.now)
}

/// `conv`'s edit log after version `since`, oldest first, at most `limit`
/// (and one answer's [`Budget`]),
/// with the conversation's current edit version. Recalled messages leave it, and
/// so do those at or below the reader's `floor` (see `messages::visible_from`).
pub fn edits(
    conn: &Connection,
    conv: &ConversationId,
    floor: u64,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<EditEntry>)> {
    let key = conv.to_string();
    let latest: i64 = conn
        .prepare_cached("SELECT edit_version FROM conversations WHERE id = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT edit_version, seq, content, edited_at FROM messages
         WHERE conv = ?1 AND edit_version > ?2 ORDER BY edit_version LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        params![key, since.min(i64::MAX as u64) as i64, limit],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    let mut budget = Budget::default();
    for row in rows {
        let (version, seq, content, edited_at) = row?;
        if (seq as u64) <= floor {
            continue;
        }
        if !budget.admits(content.len()) {
            break;
        }
        // A message recalled after its edit: the recall log covers it.
        if let Content::Text { text } = serde_json::from_str(&content)? {
            out.push(EditEntry {
                version: version as u64,
                seq: Seq(seq as u64),
                text,
                edited_at,
            });
        }
    }
    Ok((latest as u64, out))
}
