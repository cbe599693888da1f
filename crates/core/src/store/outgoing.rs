//! My own outgoing messages: queued in the cache and the outbox, retried, failed,
//! resent, deleted when they failed, and acknowledged by the server (the row then takes
//! its `seq`; a pulled copy of it is merged into it).

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use tern_proto::{ClientMsgId, Content, ConversationId, Millis, MsgId, Seq, UserId, WireError};

use super::conversations::{read_own, touch_conv};
use super::messages::{json, message_by_client_id};
use super::rows::bad;
use super::search::unindex;
use crate::error::{Error, Result};
use crate::state::OutboxEntry;
use crate::types::{DeliveryState, LocalMessage};

/// Puts a new outgoing message in the cache and the outbox (in one transaction).
pub(crate) fn queue_message(
    c: &mut Connection,
    me: &UserId,
    conv: &ConversationId,
    client_id: &ClientMsgId,
    content: &Content,
    ext: Option<&Value>,
    now: Millis,
) -> Result<LocalMessage> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO messages (conv, client_id, sender, sent_at, content, ext, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending')",
        params![
            conv.to_string(),
            client_id.as_str(),
            me.as_str(),
            now,
            json(content)?,
            ext.map(json).transpose()?
        ],
    )?;
    tx.execute(
        "INSERT INTO outbox (client_id, ord, queued_at, attempts, failed)
         VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM outbox), ?2, 0, 0)",
        params![client_id.as_str(), now],
    )?;
    touch_conv(&tx, conv, None, now)?;
    tx.commit()?;
    message_by_client_id(c, me, me, client_id)?
        .ok_or_else(|| Error::Storage("queued message vanished".into()))
}

/// The outbox as persisted, in queue order (nothing in flight after a restart).
pub(crate) fn load_outbox(c: &Connection) -> Result<Vec<OutboxEntry>> {
    let mut stmt =
        c.prepare("SELECT client_id, queued_at, attempts, failed FROM outbox ORDER BY ord")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, bool>(3)?,
        ))
    })?;
    rows.map(|r| {
        let (id, queued_at, attempts, failed) = r?;
        Ok(OutboxEntry {
            client_id: ClientMsgId::new(id).map_err(bad)?,
            queued_at,
            attempts,
            next_try_at: 0,
            in_flight: false,
            failed,
        })
    })
    .collect()
}

/// Persists an outbox entry's retry bookkeeping.
pub(crate) fn save_outbox_entry(c: &Connection, e: &OutboxEntry) -> Result<()> {
    c.execute(
        "UPDATE outbox SET queued_at = ?2, attempts = ?3, failed = ?4 WHERE client_id = ?1",
        params![e.client_id.as_str(), e.queued_at, e.attempts, e.failed],
    )?;
    Ok(())
}

/// Marks my message failed (with the server's reason, if any).
pub(crate) fn mark_failed(
    c: &Connection,
    me: &UserId,
    id: &ClientMsgId,
    error: Option<&WireError>,
) -> Result<Option<LocalMessage>> {
    c.execute(
        "UPDATE messages SET state = 'failed', error = ?3
         WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL",
        params![me.as_str(), id.as_str(), error.map(json).transpose()?],
    )?;
    c.execute(
        "UPDATE outbox SET failed = 1 WHERE client_id = ?1",
        [id.as_str()],
    )?;
    message_by_client_id(c, me, me, id)
}

/// Deletes my failed message (one the server never stored) from the cache, its
/// search entry and the outbox; returns it, or `None` when `id` is not a failed
/// message of mine (sent, pending or unknown messages are left alone).
pub(crate) fn delete_failed(
    c: &mut Connection,
    me: &UserId,
    id: &ClientMsgId,
) -> Result<Option<LocalMessage>> {
    let tx = c.transaction()?;
    let msg = message_by_client_id(&tx, me, me, id)?
        .filter(|m| m.seq.is_none() && m.state == DeliveryState::Failed);
    if msg.is_none() {
        return Ok(None);
    }
    let rowid: i64 = tx.query_row(
        "SELECT rowid FROM messages WHERE sender = ?1 AND client_id = ?2",
        params![me.as_str(), id.as_str()],
        |r| r.get(0),
    )?;
    unindex(&tx, rowid)?;
    tx.execute(
        "DELETE FROM messages WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL AND state = 'failed'",
        params![me.as_str(), id.as_str()],
    )?;
    tx.execute("DELETE FROM outbox WHERE client_id = ?1", [id.as_str()])?;
    tx.commit()?;
    Ok(msg)
}

/// Puts a failed message back to sending for a manual resend.
pub(crate) fn mark_sending(
    c: &Connection,
    me: &UserId,
    id: &ClientMsgId,
    now: Millis,
) -> Result<bool> {
    let n = c.execute(
        "UPDATE messages SET state = 'sending', error = NULL
         WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL",
        params![me.as_str(), id.as_str()],
    )?;
    if n == 1 {
        c.execute(
            "INSERT INTO outbox (client_id, ord, queued_at, attempts, failed)
             VALUES (?1, (SELECT COALESCE(MAX(ord), 0) + 1 FROM outbox), ?2, 0, 0)
             ON CONFLICT (client_id) DO UPDATE SET queued_at = ?2, attempts = 0, failed = 0",
            params![id.as_str(), now],
        )?;
    }
    Ok(n == 1)
}

/// Records the server's ack of my message; returns it (None if unknown).
pub(crate) fn ack(
    c: &mut Connection,
    me: &UserId,
    id: &ClientMsgId,
    seq: Seq,
    msg_id: MsgId,
    sent_at: Millis,
) -> Result<Option<LocalMessage>> {
    let tx = c.transaction()?;
    let conv: Option<String> = tx
        .query_row(
            "SELECT conv FROM messages WHERE sender = ?1 AND client_id = ?2",
            [me.as_str(), id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(conv) = conv else {
        return Ok(None);
    };
    // A pull may already have stored the server copy under (conv, seq); keep one row.
    let dup: Option<i64> = tx
        .query_row(
            "SELECT rowid FROM messages WHERE conv = ?1 AND seq = ?2
               AND NOT (sender = ?3 AND client_id = ?4)",
            params![conv, seq.0 as i64, me.as_str(), id.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(rowid) = dup {
        unindex(&tx, rowid)?;
    }
    tx.execute(
        "DELETE FROM messages WHERE conv = ?1 AND seq = ?2
           AND NOT (sender = ?3 AND client_id = ?4)",
        params![conv, seq.0 as i64, me.as_str(), id.as_str()],
    )?;
    tx.execute(
        "UPDATE messages SET seq = ?3, msg_id = ?4, sent_at = ?5, state = 'sent', error = NULL
         WHERE sender = ?1 AND client_id = ?2",
        params![
            me.as_str(),
            id.as_str(),
            seq.0 as i64,
            msg_id.0 as i64,
            sent_at
        ],
    )?;
    tx.execute("DELETE FROM outbox WHERE client_id = ?1", [id.as_str()])?;
    // Its time is now the server's: its search key moves.
    let rowid: i64 = tx.query_row(
        "SELECT rowid FROM messages WHERE sender = ?1 AND client_id = ?2",
        [me.as_str(), id.as_str()],
        |r| r.get(0),
    )?;
    unindex(&tx, rowid)?;
    let conv = ConversationId::parse(&conv).map_err(bad)?;
    touch_conv(&tx, &conv, Some(seq.0), sent_at)?;
    read_own(&tx, &conv, seq)?;
    tx.commit()?;
    message_by_client_id(c, me, me, id)
}
