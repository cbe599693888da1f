//! Recalling a message on PostgreSQL (a port of `sqlite::recall`).

use tern_proto::{Content, ConversationId, ErrorCode, Push, Seq, UserId};

use super::files::forget_reference;
use super::messages::{check_access, members};
use super::{groups, parse_user, Tx};
use crate::storage::{Delivery, StoreError, StoreResult};

/// Replaces `user`'s message at `seq` with a tombstone if still within
/// `window_ms`. In a group the owner may recall any message and an admin a plain
/// member's, at any time.
pub(super) async fn recall(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    now: i64,
    window_ms: i64,
    out: &mut Vec<Delivery>,
) -> StoreResult<()> {
    check_access(c, user, conv).await?;
    let key = conv.to_string();
    // The conversation's row lock first: a concurrent recall of the same
    // message (in another process) has committed before the read below.
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&key],
    )
    .await?;
    let row = c
        .query_opt(
            "SELECT sender, sent_at, recalled_at, content FROM messages WHERE conv = $1 AND seq = $2",
            &[&key, &(seq.0.min(i64::MAX as u64) as i64)],
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv}", seq.0),
        ));
    };
    let (sender, sent_at, recalled_at, content): (String, i64, Option<i64>, String) = (
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
    );
    let moderator = match conv {
        ConversationId::Group(g) if sender != user.as_str() => {
            groups::outranks(c, g, user, &parse_user(sender.clone())?).await?
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
    let version: i64 = c
        .query_one(
            "UPDATE conversations SET recall_version = recall_version + 1 WHERE id = $1
             RETURNING recall_version",
            &[&key],
        )
        .await?
        .try_get(0)?;
    c.execute(
        "UPDATE messages SET content = $3, ext = NULL, recalled_at = $4, recall_version = $5
         WHERE conv = $1 AND seq = $2",
        &[
            &key,
            &(seq.0 as i64),
            &serde_json::to_string(&tombstone)?,
            &now,
            &version,
        ],
    )
    .await?;
    if let Ok(old) = serde_json::from_str::<Content>(&content) {
        forget_reference(c, conv, seq.0, &old).await?;
    }
    let push = Push::Recalled {
        conv: conv.clone(),
        seq,
        by: user.clone(),
        at: now,
    };
    for m in members(c, conv).await? {
        out.push(Delivery {
            user: m,
            push: push.clone(),
        });
    }
    Ok(())
}
