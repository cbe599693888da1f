//! Reactions on PostgreSQL (a port of `sqlite::reactions`; the conversation's
//! row lock orders concurrent changes across processes).

use tern_proto::{
    Content, ConversationId, ErrorCode, MessageReactions, Push, Reaction, Seq, UserId,
};

use super::blacklist::blocked_by;
use super::edits::check_may_write;
use super::messages::{members_seeing, visible_from};
use super::{parse_user, Tx};
use crate::storage::api::{group_reactions, ReactionChange};
use crate::storage::{Delivery, StoreError, StoreResult};

/// The reactions of the message at `seq` of `conv`, by emoji in reaction order.
pub(super) async fn of(c: &Tx<'_>, conv: &ConversationId, seq: Seq) -> StoreResult<Vec<Reaction>> {
    let rows = c
        .query(
            "SELECT emoji, user_id FROM reactions WHERE conv = $1 AND seq = $2
             ORDER BY at, emoji COLLATE \"C\", user_id COLLATE \"C\"",
            &[&conv.to_string(), &(seq.0.min(i64::MAX as u64) as i64)],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push((r.try_get::<_, String>(0)?, parse_user(r.try_get(1)?)?));
    }
    Ok(group_reactions(out))
}

/// Applies `ch` for `user`; returns the message's reactions now.
pub(super) async fn react(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    ch: &ReactionChange,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<Reaction>> {
    check_may_write(c, user, conv, ch.now).await?;
    let key = conv.to_string();
    c.execute(
        "SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE",
        &[&key],
    )
    .await?;
    let seq = ch.seq.0.min(i64::MAX as u64) as i64;
    let content: Option<String> = c
        .query_opt(
            "SELECT content FROM messages WHERE conv = $1 AND seq = $2",
            &[&key, &seq],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let floor = visible_from(c, user, conv).await?;
    let Some(content) = content.filter(|_| ch.seq.0 > floor) else {
        return Err(StoreError::rejected(
            ErrorCode::NotFound,
            format!("no message {} in {conv} that you can read", ch.seq.0),
        ));
    };
    if matches!(serde_json::from_str(&content)?, Content::Recalled { .. }) {
        return Err(StoreError::rejected(
            ErrorCode::NotEditable,
            format!("message {} was recalled", ch.seq.0),
        ));
    }
    let changed = if ch.on {
        let emojis: Vec<String> = c
            .query(
                "SELECT DISTINCT emoji FROM reactions WHERE conv = $1 AND seq = $2",
                &[&key, &seq],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        if !emojis.contains(&ch.emoji) && emojis.len() >= ch.max_distinct as usize {
            return Err(StoreError::rejected(
                ErrorCode::TooManyReactions,
                format!(
                    "message {} already has {} different reactions (the most allowed)",
                    ch.seq.0, ch.max_distinct
                ),
            ));
        }
        c.execute(
            "INSERT INTO reactions (conv, seq, emoji, user_id, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING",
            &[&key, &seq, &ch.emoji, &user.as_str(), &ch.now],
        )
        .await?
            == 1
    } else {
        c.execute(
            "DELETE FROM reactions WHERE conv = $1 AND seq = $2 AND emoji = $3 AND user_id = $4",
            &[&key, &seq, &ch.emoji, &user.as_str()],
        )
        .await?
            == 1
    };
    let reactions = of(c, conv, ch.seq).await?;
    if !changed {
        return Ok(reactions);
    }
    let version: i64 = c
        .query_one(
            "UPDATE conversations SET reaction_version = reaction_version + 1 WHERE id = $1
             RETURNING reaction_version",
            &[&key],
        )
        .await?
        .try_get(0)?;
    c.execute(
        "UPDATE messages SET reaction_version = $3 WHERE conv = $1 AND seq = $2",
        &[&key, &seq, &version],
    )
    .await?;
    let push = Push::Reactions {
        conv: conv.clone(),
        seq: ch.seq,
        reactions: reactions.clone(),
    };
    // Not to members who joined after the message (a group hiding its history).
    let mut to = members_seeing(c, conv, ch.seq).await?;
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
    Ok(reactions)
}

/// `conv`'s reaction log after `since` (above `floor`), oldest change first.
pub(super) async fn log(
    c: &Tx<'_>,
    conv: &ConversationId,
    floor: u64,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<MessageReactions>)> {
    let key = conv.to_string();
    let latest: i64 = match c
        .query_opt(
            "SELECT reaction_version FROM conversations WHERE id = $1",
            &[&key],
        )
        .await?
    {
        Some(r) => r.try_get(0)?,
        None => 0,
    };
    let rows = c
        .query(
            "SELECT reaction_version, seq FROM messages
             WHERE conv = $1 AND reaction_version > $2 ORDER BY reaction_version LIMIT $3",
            &[
                &key,
                &(since.min(i64::MAX as u64) as i64),
                &i64::from(limit),
            ],
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (version, seq): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
        if (seq as u64) <= floor {
            continue;
        }
        out.push(MessageReactions {
            version: version as u64,
            seq: Seq(seq as u64),
            reactions: of(c, conv, Seq(seq as u64)).await?,
        });
    }
    Ok((latest as u64, out))
}
