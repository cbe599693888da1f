//! Messages from the server in the cache (push, pull, history), deduplicated, and the
//! queries over them; my own outgoing messages are in [`super::outgoing`].
//!
//! A message row is keyed by `(sender, client_id)`, so our own pending message and the
//! server's copy of it are one row; `(conv, seq)` is unique too, so a message pulled
//! twice is stored once.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ClientMsgId, Content, ConversationId, Message, Millis, Seq, UserId};

use super::conversations::{read_own, touch_conv};
use super::rows::{bad, query_messages, HIDDEN};
use super::search::unindex;
use crate::error::{Detail, Error, Result};
use crate::types::{DeliveryState, LocalMessage};

/// What storing a server message did.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    /// A new row: the message was not in the cache before.
    pub inserted: bool,
    /// It was our own pending message (now acknowledged by this copy).
    pub was_pending: bool,
    /// A group message from a user I blocked: kept, but not shown (see [`HIDDEN`]).
    pub hidden: bool,
    /// The message as now cached.
    pub message: LocalMessage,
}

/// Whether a message from `sender` in `conv` is hidden from me (see [`HIDDEN`]).
pub(crate) fn is_hidden(c: &Connection, conv: &ConversationId, sender: &UserId) -> Result<bool> {
    if !matches!(conv, ConversationId::Group(_)) {
        return Ok(false);
    }
    Ok(c.prepare_cached("SELECT 1 FROM blacklist WHERE user = ?1")?
        .exists([sender.as_str()])?)
}

pub(super) fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(Detail::of(e)))
}

/// Hides the stored message at `seq` of `conv` on this device ("Delete for me",
/// see [`HIDDEN`]); returns it, or `None` when the cache has no such message.
pub(crate) fn delete_local(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
) -> Result<Option<LocalMessage>> {
    let key = conv.to_string();
    let m = query_messages(
        c,
        me,
        "WHERE m.conv = ?1 AND m.seq = ?2",
        &[&key, &(seq.0 as i64)],
    )?
    .pop();
    if m.is_some() {
        c.execute(
            "INSERT OR IGNORE INTO deleted_local (conv, seq) VALUES (?1, ?2)",
            params![key, seq.0 as i64],
        )?;
    }
    Ok(m)
}

/// Stores a message from the server (push, pull or history), deduplicated. Callers
/// wrap a batch in one transaction (see [`store_server_messages`]).
#[cfg(test)]
pub(crate) fn store_server_message(
    tx: &Connection,
    me: &UserId,
    m: &Message,
) -> Result<StoredMessage> {
    let mut out = store_all(tx, me, std::slice::from_ref(m))?;
    out.pop()
        .ok_or_else(|| Error::Storage("stored message vanished".into()))
}

/// Stores one message's row; returns (inserted, was_pending).
fn store_row(tx: &Connection, me: &UserId, m: &Message, conv: &str) -> Result<(bool, bool)> {
    let content = json(&m.content)?;
    let ext = m.ext.as_ref().map(json).transpose()?;
    let mentions = m.mentions.as_ref().map(json).transpose()?;
    // Only my own messages can be pending here (`queue_message` stores them as mine),
    // so others' messages skip the probe.
    let was_pending = &m.sender == me
        && tx
            .prepare_cached(
                "UPDATE messages SET seq = ?3, msg_id = ?4, sent_at = ?5, content = ?6, ext = ?7,
               state = 'sent', error = NULL
             WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL
               AND NOT EXISTS (SELECT 1 FROM messages WHERE conv = ?8 AND seq = ?3)",
            )?
            .execute(params![
                m.sender.as_str(),
                m.client_id.as_str(),
                m.seq.0 as i64,
                m.id.0 as i64,
                m.sent_at,
                content,
                ext,
                conv
            ])?
            == 1;
    if was_pending {
        tx.prepare_cached("DELETE FROM outbox WHERE client_id = ?1")?
            .execute([m.client_id.as_str()])?;
        let rowid: i64 = tx
            .prepare_cached("SELECT rowid FROM messages WHERE sender = ?1 AND client_id = ?2")?
            .query_row([m.sender.as_str(), m.client_id.as_str()], |r| r.get(0))?;
        // Its text and time are now the server's: index it again.
        unindex(tx, rowid)?;
        return Ok((false, true));
    }
    let inserted =
        tx.prepare_cached(
            "INSERT OR IGNORE INTO messages
               (conv, seq, msg_id, client_id, sender, sent_at, content, ext, state, edited_at,
                reply_to, mentions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'sent', ?9, ?10, ?11)",
        )?
        .execute(params![
            conv,
            m.seq.0 as i64,
            m.id.0 as i64,
            m.client_id.as_str(),
            m.sender.as_str(),
            m.sent_at,
            content,
            ext,
            m.edited_at,
            m.reply_to.map(|r| r.0 as i64),
            mentions
        ])? == 1;
    if !inserted {
        // A copy edited since this one was cached carries its newer text.
        if let (Some(at), Content::Text { text }) = (m.edited_at, &m.content) {
            super::edits::apply(tx, &m.conv, m.seq, text, at)?;
        }
    }
    Ok((inserted, false))
}

/// Stores `batch`; the conversations are touched once per conversation (highest seq
/// and time), not once per message. New and acknowledged rows are built from the
/// server's copy instead of being read back.
fn store_all(tx: &Connection, me: &UserId, batch: &[Message]) -> Result<Vec<StoredMessage>> {
    // Per conversation: (its id, highest seq, latest time, highest seq of mine).
    let mut convs: Vec<(&ConversationId, String, u64, Millis, Option<Seq>)> = Vec::new();
    let mut rows = Vec::with_capacity(batch.len());
    for m in batch {
        let i = match convs.iter().position(|c| c.0 == &m.conv) {
            Some(i) => i,
            None => {
                convs.push((&m.conv, m.conv.to_string(), 0, Millis::MIN, None));
                convs.len() - 1
            }
        };
        let (inserted, was_pending) = store_row(tx, me, m, &convs[i].1)?;
        let hidden = is_hidden(tx, &m.conv, &m.sender)?;
        let c = &mut convs[i];
        c.2 = c.2.max(m.seq.0);
        // A hidden message does not move the conversation up the list.
        if !hidden {
            c.3 = c.3.max(m.sent_at);
        }
        if &m.sender == me {
            c.4 = Some(c.4.map_or(m.seq, |s| s.max(m.seq)));
        }
        rows.push((m, i, inserted, was_pending, hidden));
    }
    let mut peer_read = Vec::with_capacity(convs.len());
    for (conv, key, max_seq, at, own) in &convs {
        touch_conv(tx, conv, Some(*max_seq), *at)?;
        if let Some(seq) = own {
            read_own(tx, conv, *seq)?;
        }
        let pr: i64 = tx
            .prepare_cached("SELECT peer_read_seq FROM conversations WHERE conv = ?1")?
            .query_row([key], |r| r.get(0))?;
        peer_read.push(pr);
    }
    rows.into_iter()
        .map(|(m, i, inserted, was_pending, hidden)| {
            let message = if inserted || was_pending {
                from_server(me, m, peer_read[i])
            } else {
                message_by_client_id(tx, me, &m.sender, &m.client_id)?
                    .ok_or_else(|| Error::Storage("stored message vanished".into()))?
            };
            Ok(StoredMessage {
                inserted,
                was_pending,
                hidden,
                message,
            })
        })
        .collect()
}

/// The cached form of a server message just written (as
/// [`super::rows::MessageRow::into_local`] would read it).
fn from_server(me: &UserId, m: &Message, peer_read: i64) -> LocalMessage {
    let outgoing = &m.sender == me;
    let state = if outgoing && m.seq.0 as i64 <= peer_read {
        DeliveryState::Read
    } else {
        DeliveryState::Sent
    };
    LocalMessage {
        conv: m.conv.clone(),
        client_id: m.client_id.clone(),
        seq: Some(m.seq),
        id: Some(m.id),
        sender: m.sender.clone(),
        outgoing,
        sent_at: m.sent_at,
        content: m.content.clone(),
        ext: m.ext.clone(),
        state,
        error: None,
        edited_at: m.edited_at,
        reply_to: m.reply_to,
        mentions: m.mentions.clone(),
    }
}

/// Records whom my queued message `client_id` mentions (before it is sent).
pub(crate) fn set_mentions(
    c: &Connection,
    me: &UserId,
    client_id: &ClientMsgId,
    mentions: &tern_proto::Mentions,
) -> Result<()> {
    c.prepare_cached("UPDATE messages SET mentions = ?3 WHERE sender = ?1 AND client_id = ?2")?
        .execute(params![me.as_str(), client_id.as_str(), json(mentions)?])?;
    Ok(())
}

/// Makes my queued message `client_id` a reply to `seq` (before it is sent).
pub(crate) fn set_reply_to(
    c: &Connection,
    me: &UserId,
    client_id: &ClientMsgId,
    seq: Seq,
) -> Result<()> {
    c.prepare_cached("UPDATE messages SET reply_to = ?3 WHERE sender = ?1 AND client_id = ?2")?
        .execute(params![me.as_str(), client_id.as_str(), seq.0 as i64])?;
    Ok(())
}

/// Whether the message at `seq` of `conv` was deleted on this device only.
pub(crate) fn deleted_here(c: &Connection, conv: &ConversationId, seq: Seq) -> Result<bool> {
    Ok(
        c.prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM deleted_local WHERE conv = ?1 AND seq = ?2)",
        )?
        .query_row(params![conv.to_string(), seq.0 as i64], |r| r.get(0))?,
    )
}

/// The cached message at `seq` of `conv`, if any.
pub(crate) fn message_at(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
) -> Result<Option<LocalMessage>> {
    Ok(query_messages(
        c,
        me,
        "WHERE m.conv = ?1 AND m.seq = ?2",
        &[&conv.to_string(), &(seq.0 as i64)],
    )?
    .pop())
}

/// Stores a batch of server messages in one transaction.
pub(crate) fn store_server_messages(
    c: &mut Connection,
    me: &UserId,
    batch: &[Message],
) -> Result<Vec<StoredMessage>> {
    let tx = c.transaction()?;
    let out = store_all(&tx, me, batch)?;
    tx.commit()?;
    Ok(out)
}

/// Turns a cached message into a recall tombstone; returns it if cached.
pub(crate) fn recall(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
    by: &UserId,
    at: Millis,
) -> Result<Option<LocalMessage>> {
    let tomb = json(&Content::Recalled { by: by.clone(), at })?;
    let row: Option<(i64, String)> = c
        .query_row(
            "SELECT rowid, content FROM messages WHERE conv = ?1 AND seq = ?2",
            params![conv.to_string(), seq.0 as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((rowid, content)) = row else {
        return Ok(None);
    };
    if matches!(
        serde_json::from_str(&content).map_err(bad)?,
        Content::Recalled { .. }
    ) {
        return Ok(None);
    }
    c.execute(
        "UPDATE messages SET content = ?2, ext = NULL WHERE rowid = ?1",
        params![rowid, tomb],
    )?;
    unindex(c, rowid)?;
    Ok(query_messages(c, me, "WHERE m.rowid = ?1", &[&rowid])?.pop())
}

/// One message by sender and client id.
pub(crate) fn message_by_client_id(
    c: &Connection,
    me: &UserId,
    sender: &UserId,
    id: &ClientMsgId,
) -> Result<Option<LocalMessage>> {
    Ok(query_messages(
        c,
        me,
        "WHERE m.sender = ?1 AND m.client_id = ?2",
        &[&sender.as_str(), &id.as_str()],
    )?
    .pop())
}

/// Stored messages with `lower <= seq < upper`: how many are cached (hidden ones
/// included, so the caller can tell a hole from a hidden message) and the visible
/// ones, ascending.
pub(crate) fn messages_range(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
    lower: u64,
    upper: u64,
) -> Result<(u64, Vec<LocalMessage>)> {
    let key = conv.to_string();
    let cached: i64 = c
        .prepare_cached("SELECT COUNT(*) FROM messages WHERE conv = ?1 AND seq >= ?2 AND seq < ?3")?
        .query_row(params![key, lower as i64, upper as i64], |r| r.get(0))?;
    let visible = query_messages(
        c,
        me,
        &format!(
            "WHERE m.conv = ?1 AND m.seq >= ?2 AND m.seq < ?3 AND NOT {HIDDEN} ORDER BY m.seq"
        ),
        &[&key, &(lower as i64), &(upper as i64)],
    )?;
    Ok((cached as u64, visible))
}

/// My messages in `conv` not yet acknowledged, in queue order.
pub(crate) fn pending_messages(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
) -> Result<Vec<LocalMessage>> {
    query_messages(
        c,
        me,
        "WHERE m.conv = ?1 AND m.seq IS NULL ORDER BY m.rowid",
        &[&conv.to_string()],
    )
}

/// All my messages not yet acknowledged, in queue order.
pub(crate) fn outbox_messages(c: &Connection, me: &UserId) -> Result<Vec<LocalMessage>> {
    query_messages(c, me, "WHERE m.seq IS NULL ORDER BY m.rowid", &[])
}

#[cfg(test)]
mod tests;
