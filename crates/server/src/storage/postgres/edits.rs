//! Editing text messages and the per-conversation edit log on PostgreSQL (a
//! port of `sqlite::edits`; the conversation's row lock orders concurrent
//! edits across processes).

use tern_proto::{Content, ConversationId, EditEntry, ErrorCode, Push, Seq, UserId};

use super::blacklist::{blocked_by, is_blocked};
use super::messages::{check_access, members_seeing};
use super::{groups, Tx};
use crate::storage::api::TextEdit;
use crate::storage::budget::Budget;
use crate::storage::{Delivery, StoreError, StoreResult};

/// A member of `conv`, not muted there (groups), not blocked by the peer.
pub(super) async fn check_may_write(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    match conv {
        ConversationId::Group(g) => groups::check_can_post(c, g, user, now).await,
        ConversationId::Direct(..) => {
            check_access(c, user, conv).await?;
            let peer = conv
                .peer_of(user)
                .expect("check_access: a party of the chat");
            if is_blocked(c, peer, user).await? {
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
pub(super) async fn edit(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    e: &TextEdit,
    out: &mut Vec<Delivery>,
) -> StoreResult<i64> {
    check_may_write(c, user, conv, e.now).await?;
    let key = conv.to_string();
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&key],
    )
    .await?;
    let seq = e.seq.0.min(i64::MAX as u64) as i64;
    let row = c
        .query_opt(
            "SELECT sender, sent_at, content, edited_at FROM messages WHERE conv = $1 AND seq = $2",
            &[&key, &seq],
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv}", e.seq.0),
        ));
    };
    let (sender, sent_at, content, edited_at): (String, i64, String, Option<i64>) = (
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    );
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
        return Ok(edited_at.unwrap_or(sent_at));
    }
    let version: i64 = c
        .query_one(
            "UPDATE conversations SET edit_version = edit_version + 1 WHERE id = $1
             RETURNING edit_version",
            &[&key],
        )
        .await?
        .try_get(0)?;
    let new = Content::Text {
        text: e.text.clone(),
    };
    c.execute(
        "UPDATE messages SET content = $3, edited_at = $4, edit_version = $5
         WHERE conv = $1 AND seq = $2",
        &[&key, &seq, &serde_json::to_string(&new)?, &e.now, &version],
    )
    .await?;
    let push = Push::Edited {
        conv: conv.clone(),
        seq: e.seq,
        text: e.text.clone(),
        edited_at: e.now,
    };
    // Not to members who joined after it (a group hiding its history from them).
    let mut to = members_seeing(c, conv, e.seq).await?;
    if matches!(conv, ConversationId::Group(_)) {
        let blockers = blocked_by(c, user).await?;
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

/// `conv`'s edit log after `since`, oldest first, at most `limit`, with the
/// conversation's current edit version; not messages at or below the reader's
/// `floor` (see `messages::visible_from`).
pub(super) async fn edits(
    c: &Tx<'_>,
    conv: &ConversationId,
    floor: u64,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<EditEntry>)> {
    let key = conv.to_string();
    let latest: i64 = match c
        .query_opt(
            "SELECT edit_version FROM conversations WHERE id = $1",
            &[&key],
        )
        .await?
    {
        Some(r) => r.try_get(0)?,
        None => 0,
    };
    // Read as they arrive; past the budget the rest is discarded unread.
    let rows = c
        .query_stream(
            "SELECT edit_version, seq, content, edited_at FROM messages
             WHERE conv = $1 AND edit_version > $2 ORDER BY edit_version LIMIT $3",
            &[
                &key,
                &(since.min(i64::MAX as u64) as i64),
                &i64::from(limit),
            ],
        )
        .await?;
    futures_util::pin_mut!(rows);
    let mut out = Vec::new();
    let mut budget = Budget::default();
    while let Some(r) = futures_util::TryStreamExt::try_next(&mut rows).await? {
        let seq = r.try_get::<_, i64>(1)? as u64;
        if seq <= floor {
            continue;
        }
        let content: String = r.try_get(2)?;
        if !budget.admits(content.len()) {
            break;
        }
        if let Content::Text { text } = serde_json::from_str(&content)? {
            out.push(EditEntry {
                version: r.try_get::<_, i64>(0)? as u64,
                seq: Seq(seq),
                text,
                edited_at: r.try_get(3)?,
            });
        }
    }
    Ok((latest as u64, out))
}
