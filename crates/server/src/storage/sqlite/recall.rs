//! Recalling a message: the sender within the recall window, a group's owner and
//! admins at any time; the message becomes a tombstone and the conversation's
//! recall log (read by `super::history::recalls`) moves on.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{Content, ConversationId, ErrorCode, Push, Seq, UserId};

use super::accounts::parse_user;
use super::changelog::Delivery;
use super::messages::{check_access, members};
use super::{StoreError, StoreResult};

/// Replaces `user`'s message at `seq` with a tombstone if still within
/// `window_ms`. In a group the owner may recall any message and an admin a plain
/// member's, at any time.
pub fn recall(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    now: i64,
    window_ms: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    check_access(conn, user, conv)?;
    let row = conn
        .query_row(
            "SELECT sender, sent_at, recalled_at, content FROM messages WHERE conv = ?1 AND seq = ?2",
            params![conv.to_string(), seq.0 as i64],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((sender, sent_at, recalled_at, content)) = row else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv}", seq.0),
        ));
    };
    // The owner may recall anyone's message; an admin only a plain member's
    // (or a former member's), never the owner's or another admin's.
    let moderator = match conv {
        ConversationId::Group(g) if sender != user.as_str() => {
            super::groups::outranks(conn, g, user, &parse_user(sender.clone())?)?
        }
        _ => false,
    };
    if sender != user.as_str() && !moderator {
        return Err(StoreError::rejected(
            ErrorCode::Forbidden,
            "you can only recall your own messages",
        ));
    }
    if recalled_at.is_some() {
        return Ok(());
    }
    if !moderator && now - sent_at > window_ms {
        return Err(StoreError::rejected(
            ErrorCode::RecallWindowExpired,
            format!(
                "messages can only be recalled within {} s of sending",
                window_ms / 1000
            ),
        ));
    }
    let tombstone = Content::Recalled {
        by: user.clone(),
        at: now,
    };
    let version: i64 = conn
        .prepare_cached(
            "UPDATE conversations SET recall_version = recall_version + 1 WHERE id = ?1
         RETURNING recall_version",
        )?
        .query_row([conv.to_string()], |r| r.get(0))?;
    conn.prepare_cached(
        "UPDATE messages SET content = ?3, ext = NULL, recalled_at = ?4, recall_version = ?5
         WHERE conv = ?1 AND seq = ?2",
    )?
    .execute(params![
        conv.to_string(),
        seq.0 as i64,
        serde_json::to_string(&tombstone)?,
        now,
        version
    ])?;
    // Recalled means gone: the file it carried is no longer readable through it.
    if let Ok(old) = serde_json::from_str::<Content>(&content) {
        super::files::forget_reference(conn, conv, seq.0, &old)?;
    }
    let push = Push::Recalled {
        conv: conv.clone(),
        seq,
        by: user.clone(),
        at: now,
    };
    for m in members(conn, conv)? {
        out.push(Delivery {
            user: m,
            push: push.clone(),
        });
    }
    Ok(())
}
