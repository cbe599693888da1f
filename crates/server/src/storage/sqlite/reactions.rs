//! Reactions on SQLite: one row per (message, emoji, member); every change
//! moves the message to the next position of its conversation's reaction log
//! (`conversations.reaction_version`), which offline devices page through.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{
    Content, ConversationId, ErrorCode, MessageReactions, Push, Reaction, Seq, UserId,
};

use super::accounts::parse_user;
use super::blacklist::blocked_by;
use super::changelog::Delivery;
use super::edits::check_may_write;
use super::messages::{members_seeing, visible_from};
use super::{StoreError, StoreResult};
use crate::storage::api::{group_reactions, ReactionChange};

/// The reactions of the message at `seq` of `conv`, by emoji in reaction order.
pub fn of(conn: &Connection, conv: &ConversationId, seq: Seq) -> StoreResult<Vec<Reaction>> {
    let mut stmt = conn.prepare_cached(
        "SELECT emoji, user_id FROM reactions WHERE conv = ?1 AND seq = ?2
         ORDER BY at, emoji, user_id",
    )?;
    let rows = stmt.query_map(params![conv.to_string(), seq.0 as i64], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for r in rows {
        let (emoji, user) = r?;
        out.push((emoji, parse_user(user)?));
    }
    Ok(group_reactions(out))
}

/// Applies `ch` for `user`; returns the message's reactions now.
pub fn react(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    ch: &ReactionChange,
    out: &mut Vec<Delivery>,
) -> StoreResult<Vec<Reaction>> {
    check_may_write(conn, user, conv, ch.now)?;
    let key = conv.to_string();
    let seq = ch.seq.0.min(i64::MAX as u64) as i64;
    let content: Option<String> = conn
        .prepare_cached("SELECT content FROM messages WHERE conv = ?1 AND seq = ?2")?
        .query_row(params![key, seq], |r| r.get(0))
        .optional()?;
    let floor = visible_from(conn, user, conv)?;
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
        let emojis: Vec<String> = {
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT emoji FROM reactions WHERE conv = ?1 AND seq = ?2",
            )?;
            let rows = stmt.query_map(params![key, seq], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        if !emojis.contains(&ch.emoji) && emojis.len() >= ch.max_distinct as usize {
            return Err(StoreError::rejected(
                ErrorCode::TooManyReactions,
                format!(
                    "message {} already has {} different reactions (the most allowed)",
                    ch.seq.0, ch.max_distinct
                ),
            ));
        }
        conn.prepare_cached(
            "INSERT OR IGNORE INTO reactions (conv, seq, emoji, user_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![key, seq, ch.emoji, user.as_str(), ch.now])?
            == 1
    } else {
        conn.prepare_cached(
            "DELETE FROM reactions WHERE conv = ?1 AND seq = ?2 AND emoji = ?3 AND user_id = ?4",
        )?
        .execute(params![key, seq, ch.emoji, user.as_str()])?
            == 1
    };
    let reactions = of(conn, conv, ch.seq)?;
    if !changed {
        return Ok(reactions);
    }
    let version: i64 = conn
        .prepare_cached(
            "UPDATE conversations SET reaction_version = reaction_version + 1 WHERE id = ?1
             RETURNING reaction_version",
        )?
        .query_row([&key], |r| r.get(0))?;
    conn.prepare_cached("UPDATE messages SET reaction_version = ?3 WHERE conv = ?1 AND seq = ?2")?
        .execute(params![key, seq, version])?;
    let push = Push::Reactions {
        conv: conv.clone(),
        seq: ch.seq,
        reactions: reactions.clone(),
    };
    // Not to members who joined after the message (a group hiding its history).
    let mut to = members_seeing(conn, conv, ch.seq)?;
    if matches!(conv, ConversationId::Group(_)) {
        let blockers = blocked_by(conn, user)?;
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

/// `conv`'s reaction log after `since` (messages the reader may see), oldest
/// change first, at most `limit`, with the current version.
pub fn log(
    conn: &Connection,
    conv: &ConversationId,
    floor: u64,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<MessageReactions>)> {
    let key = conv.to_string();
    let latest: i64 = conn
        .prepare_cached("SELECT reaction_version FROM conversations WHERE id = ?1")?
        .query_row([&key], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let rows: Vec<(i64, i64)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT reaction_version, seq FROM messages
             WHERE conv = ?1 AND reaction_version > ?2 ORDER BY reaction_version LIMIT ?3",
        )?;
        let rows = stmt.query_map(
            params![key, since.min(i64::MAX as u64) as i64, limit],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (version, seq) in rows {
        if (seq as u64) <= floor {
            continue;
        }
        out.push(MessageReactions {
            version: version as u64,
            seq: Seq(seq as u64),
            reactions: of(conn, conv, Seq(seq as u64))?,
        });
    }
    Ok((latest as u64, out))
}
