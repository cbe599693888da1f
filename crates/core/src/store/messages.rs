//! Messages, the outbox, conversations and the full-text index.
//!
//! A message row is keyed by `(sender, client_id)`, so our own pending message and the
//! server's copy of it are one row; `(conv, seq)` is unique too, so a message pulled
//! twice is stored once.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ConversationInfo, Message, Millis, MsgId, Seq, UserId,
    WireError,
};

use super::relations::like_escape;
use crate::error::{Error, Result};
use crate::state::{contiguous_from, unread, OutboxEntry};
use crate::types::{Conversation, DeliveryState, LocalMessage};

/// What storing a server message did.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// A new row: the message was not in the cache before.
    pub inserted: bool,
    /// It was our own pending message (now acknowledged by this copy).
    pub was_pending: bool,
    /// The message as now cached.
    pub message: LocalMessage,
}

/// Columns selected for a [`LocalMessage`].
const MSG_SELECT: &str = "SELECT m.conv, m.seq, m.msg_id, m.client_id, m.sender, m.sent_at,
    m.content, m.ext, m.state, m.error, COALESCE(c.peer_read_seq, 0)
    FROM messages m LEFT JOIN conversations c ON c.conv = m.conv";

/// A raw message row.
pub type MessageRow = (
    String,
    Option<i64>,
    Option<i64>,
    String,
    String,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    i64,
);

fn bad(e: impl std::fmt::Display) -> Error {
    Error::Storage(format!("corrupt row: {e}"))
}

fn read_row(r: &Row) -> rusqlite::Result<MessageRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn to_local(me: &UserId, row: MessageRow) -> Result<LocalMessage> {
    let (conv, seq, msg_id, client_id, sender, sent_at, content, ext, state, error, peer_read) =
        row;
    let sender = UserId::new(sender).map_err(bad)?;
    let outgoing = &sender == me;
    let mut state = match state.as_str() {
        "sending" => DeliveryState::Sending,
        "failed" => DeliveryState::Failed,
        _ => DeliveryState::Sent,
    };
    if outgoing && state == DeliveryState::Sent && seq.is_some_and(|s| s <= peer_read) {
        state = DeliveryState::Read;
    }
    Ok(LocalMessage {
        conv: ConversationId::parse(&conv).map_err(bad)?,
        client_id: ClientMsgId::new(client_id).map_err(bad)?,
        seq: seq.map(|s| Seq(s as u64)),
        id: msg_id.map(|i| MsgId(i as u64)),
        sender,
        outgoing,
        sent_at,
        content: serde_json::from_str(&content).map_err(bad)?,
        ext: ext
            .map(|e| serde_json::from_str(&e))
            .transpose()
            .map_err(bad)?,
        state,
        error: error
            .map(|e| serde_json::from_str(&e))
            .transpose()
            .map_err(bad)?,
    })
}

fn query_messages(
    c: &Connection,
    me: &UserId,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<LocalMessage>> {
    let sql = format!("{MSG_SELECT} {filter}");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, read_row)?;
    rows.map(|r| to_local(me, r?)).collect()
}

/// The searchable text of a message, if it has any.
fn body(content: &Content) -> Option<&str> {
    match content {
        Content::Text { text } | Content::System { text } => Some(text),
        Content::File { file } => Some(&file.name),
        Content::Location { label, .. } => Some(label),
        _ => None,
    }
}

fn index(c: &Connection, rowid: i64, content: &Content) -> Result<()> {
    if let Some(text) = body(content) {
        c.execute(
            "INSERT OR REPLACE INTO message_fts (rowid, body) VALUES (?1, ?2)",
            params![rowid, text],
        )?;
    }
    Ok(())
}

fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Storage(e.to_string()))
}

/// Makes sure a conversation row exists.
pub fn ensure_conv(c: &Connection, conv: &ConversationId) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO conversations (conv) VALUES (?1)",
        [conv.to_string()],
    )?;
    Ok(())
}

fn touch_conv(c: &Connection, conv: &ConversationId, seq: Option<u64>, at: Millis) -> Result<()> {
    ensure_conv(c, conv)?;
    c.execute(
        "UPDATE conversations SET max_seq = MAX(max_seq, ?2),
           last_activity = MAX(last_activity, ?3) WHERE conv = ?1",
        params![conv.to_string(), seq.unwrap_or(0) as i64, at],
    )?;
    Ok(())
}

/// Puts a new outgoing message in the cache and the outbox (in one transaction).
pub fn queue_message(
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
    index(&tx, tx.last_insert_rowid(), content)?;
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
pub fn load_outbox(c: &Connection) -> Result<Vec<OutboxEntry>> {
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
pub fn save_outbox_entry(c: &Connection, e: &OutboxEntry) -> Result<()> {
    c.execute(
        "UPDATE outbox SET queued_at = ?2, attempts = ?3, failed = ?4 WHERE client_id = ?1",
        params![e.client_id.as_str(), e.queued_at, e.attempts, e.failed],
    )?;
    Ok(())
}

/// Marks my message failed (with the server's reason, if any).
pub fn mark_failed(
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

/// Puts a failed message back to sending for a manual resend.
pub fn mark_sending(c: &Connection, me: &UserId, id: &ClientMsgId, now: Millis) -> Result<bool> {
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
pub fn ack(
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
    let conv = ConversationId::parse(&conv).map_err(bad)?;
    touch_conv(&tx, &conv, Some(seq.0), sent_at)?;
    tx.commit()?;
    message_by_client_id(c, me, me, id)
}

/// Stores a message from the server (push, pull or history), deduplicated.
pub fn store_server_message(c: &mut Connection, me: &UserId, m: &Message) -> Result<StoredMessage> {
    let tx = c.transaction()?;
    let content = json(&m.content)?;
    let ext = m.ext.as_ref().map(json).transpose()?;
    let was_pending = tx.execute(
        "UPDATE messages SET seq = ?3, msg_id = ?4, sent_at = ?5, content = ?6, ext = ?7,
           state = 'sent', error = NULL
         WHERE sender = ?1 AND client_id = ?2 AND seq IS NULL
           AND NOT EXISTS (SELECT 1 FROM messages WHERE conv = ?8 AND seq = ?3)",
        params![
            m.sender.as_str(),
            m.client_id.as_str(),
            m.seq.0 as i64,
            m.id.0 as i64,
            m.sent_at,
            content,
            ext,
            m.conv.to_string()
        ],
    )? == 1;
    let mut inserted = false;
    if was_pending {
        tx.execute(
            "DELETE FROM outbox WHERE client_id = ?1",
            [m.client_id.as_str()],
        )?;
    } else {
        inserted = tx.execute(
            "INSERT OR IGNORE INTO messages
               (conv, seq, msg_id, client_id, sender, sent_at, content, ext, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'sent')",
            params![
                m.conv.to_string(),
                m.seq.0 as i64,
                m.id.0 as i64,
                m.client_id.as_str(),
                m.sender.as_str(),
                m.sent_at,
                content,
                ext
            ],
        )? == 1;
        if inserted {
            index(&tx, tx.last_insert_rowid(), &m.content)?;
        }
    }
    touch_conv(&tx, &m.conv, Some(m.seq.0), m.sent_at)?;
    tx.commit()?;
    let message = message_by_client_id(c, me, &m.sender, &m.client_id)?
        .ok_or_else(|| Error::Storage("stored message vanished".into()))?;
    Ok(StoredMessage {
        inserted,
        was_pending,
        message,
    })
}

/// Seqs present in `conv` with `above < seq <= upto`, ascending.
pub fn present_seqs(
    c: &Connection,
    conv: &ConversationId,
    above: u64,
    upto: u64,
) -> Result<Vec<u64>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq FROM messages WHERE conv = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![conv.to_string(), above as i64, upto as i64], |r| {
        r.get::<_, i64>(0)
    })?;
    rows.map(|r| Ok(r? as u64)).collect()
}

/// Sync state of a conversation: (max, read, peer read, synced) seqs.
pub fn conv_seqs(c: &Connection, conv: &ConversationId) -> Result<(u64, u64, u64, u64)> {
    let row = c
        .query_row(
            "SELECT max_seq, read_seq, peer_read_seq, synced_seq FROM conversations
             WHERE conv = ?1",
            [conv.to_string()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            },
        )
        .optional()?
        .unwrap_or((0, 0, 0, 0));
    Ok((row.0 as u64, row.1 as u64, row.2 as u64, row.3 as u64))
}

/// Raises the synced seq to at least `floor`, then over every seq present without a hole.
pub fn advance_synced(c: &Connection, conv: &ConversationId, floor: u64) -> Result<u64> {
    ensure_conv(c, conv)?;
    let (max, _, _, synced) = conv_seqs(c, conv)?;
    let start = synced.max(floor);
    let present = present_seqs(c, conv, start, max.max(start))?;
    let top = contiguous_from(start, &present);
    c.execute(
        "UPDATE conversations SET synced_seq = ?2 WHERE conv = ?1",
        params![conv.to_string(), top as i64],
    )?;
    Ok(top)
}

/// Merges the server's view of a conversation (seqs only move forward).
pub fn merge_server_conv(c: &Connection, info: &ConversationInfo) -> Result<()> {
    ensure_conv(c, &info.conv)?;
    let at = info.last.as_ref().map(|m| m.sent_at).unwrap_or(0);
    c.execute(
        "UPDATE conversations SET max_seq = MAX(max_seq, ?2), read_seq = MAX(read_seq, ?3),
           last_activity = MAX(last_activity, ?4) WHERE conv = ?1",
        params![
            info.conv.to_string(),
            info.max_seq.0 as i64,
            info.read_seq.0 as i64,
            at
        ],
    )?;
    Ok(())
}

/// Moves my read seq (or the peer's, with `peer`) forward.
pub fn set_read(c: &Connection, conv: &ConversationId, seq: Seq, peer: bool) -> Result<()> {
    ensure_conv(c, conv)?;
    let col = if peer { "peer_read_seq" } else { "read_seq" };
    c.execute(
        &format!("UPDATE conversations SET {col} = MAX({col}, ?2) WHERE conv = ?1"),
        params![conv.to_string(), seq.0 as i64],
    )?;
    Ok(())
}

/// Turns a cached message into a recall tombstone; returns it if cached.
pub fn recall(
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
    if matches!(serde_json::from_str(&content), Ok(Content::Recalled { .. })) {
        return Ok(None);
    }
    c.execute(
        "UPDATE messages SET content = ?2, ext = NULL WHERE rowid = ?1",
        params![rowid, tomb],
    )?;
    c.execute("DELETE FROM message_fts WHERE rowid = ?1", [rowid])?;
    Ok(query_messages(c, me, "WHERE m.rowid = ?1", &[&rowid])?.pop())
}

/// One message by sender and client id.
pub fn message_by_client_id(
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

/// Stored messages with `lower <= seq < upper`, ascending.
pub fn messages_range(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
    lower: u64,
    upper: u64,
) -> Result<Vec<LocalMessage>> {
    query_messages(
        c,
        me,
        "WHERE m.conv = ?1 AND m.seq >= ?2 AND m.seq < ?3 ORDER BY m.seq",
        &[&conv.to_string(), &(lower as i64), &(upper as i64)],
    )
}

/// My messages in `conv` not yet acknowledged, in queue order.
pub fn pending_messages(
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
pub fn outbox_messages(c: &Connection, me: &UserId) -> Result<Vec<LocalMessage>> {
    query_messages(c, me, "WHERE m.seq IS NULL ORDER BY m.rowid", &[])
}

fn own_after(c: &Connection, me: &UserId, conv: &str, read: i64) -> Result<u64> {
    let n: i64 = c.query_row(
        "SELECT COUNT(*) FROM messages WHERE conv = ?1 AND sender = ?2 AND seq > ?3",
        params![conv, me.as_str(), read],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

fn title_for(c: &Connection, peer: &UserId) -> Result<(String, Option<tern_proto::FileId>)> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = c
        .query_row(
            "SELECT f.remark, u.nickname, u.avatar FROM (SELECT ?1 AS id) x
             LEFT JOIN friends f ON f.user = x.id LEFT JOIN users u ON u.user = x.id",
            [peer.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (remark, nickname, avatar) = row.unwrap_or((None, None, None));
    let title = [remark, nickname]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| peer.to_string());
    Ok((title, avatar.and_then(|a| tern_proto::FileId::new(a).ok())))
}

/// One conversation's summary.
pub fn conversation(
    c: &Connection,
    me: &UserId,
    conv: &ConversationId,
) -> Result<Option<Conversation>> {
    let key = conv.to_string();
    let row = c
        .query_row(
            "SELECT max_seq, read_seq, peer_read_seq, draft, last_activity FROM conversations
             WHERE conv = ?1",
            [&key],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((max, read, peer_read, draft, last_activity)) = row else {
        return Ok(None);
    };
    let last = query_messages(
        c,
        me,
        "WHERE m.conv = ?1 ORDER BY (m.seq IS NULL) DESC, m.seq DESC, m.rowid DESC LIMIT 1",
        &[&key],
    )?
    .pop();
    let peer = conv.peer_of(me).cloned();
    let (title, avatar) = match &peer {
        Some(p) => title_for(c, p)?,
        None => (key.clone(), None),
    };
    Ok(Some(Conversation {
        conv: conv.clone(),
        peer,
        title,
        avatar,
        max_seq: Seq(max as u64),
        read_seq: Seq(read as u64),
        peer_read_seq: Seq(peer_read as u64),
        unread: unread(max as u64, read as u64, own_after(c, me, &key, read)?),
        last,
        last_activity,
        draft,
    }))
}

/// All conversations, most recent activity first.
pub fn conversations(c: &Connection, me: &UserId) -> Result<Vec<Conversation>> {
    let mut stmt = c.prepare("SELECT conv FROM conversations ORDER BY last_activity DESC, conv")?;
    let keys: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let conv = ConversationId::parse(&k).map_err(bad)?;
        if let Some(s) = conversation(c, me, &conv)? {
            if s.max_seq.0 > 0 || s.last.is_some() || !s.draft.is_empty() {
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// Saves a draft; a non-empty one counts as activity.
pub fn set_draft(c: &Connection, conv: &ConversationId, draft: &str, now: Millis) -> Result<()> {
    ensure_conv(c, conv)?;
    c.execute(
        "UPDATE conversations SET draft = ?2,
           last_activity = CASE WHEN ?2 = '' THEN last_activity ELSE MAX(last_activity, ?3) END
         WHERE conv = ?1",
        params![conv.to_string(), draft, now],
    )?;
    Ok(())
}

/// Full-text search, newest first: every whitespace-separated term must occur as a
/// substring. Terms of 3+ characters use the trigram FTS5 index; shorter ones (common
/// in Chinese, e.g. `你好`) fall back to LIKE over the indexed text.
pub fn search(
    c: &Connection,
    me: &UserId,
    query: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<LocalMessage>> {
    let terms: Vec<&str> = query.split_whitespace().collect();
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut conds = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let long: Vec<String> = terms
        .iter()
        .filter(|t| t.chars().count() >= 3)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    if !long.is_empty() {
        args.push(long.join(" AND "));
        conds.push(format!("f.body MATCH ?{}", args.len()));
    }
    for t in terms.iter().filter(|t| t.chars().count() < 3) {
        args.push(format!("%{}%", like_escape(t)));
        conds.push(format!("f.body LIKE ?{} ESCAPE '\\'", args.len()));
    }
    let sql = format!(
        "{MSG_SELECT} JOIN message_fts f ON f.rowid = m.rowid WHERE {}
         ORDER BY m.sent_at DESC, m.rowid DESC LIMIT {limit} OFFSET {offset}",
        conds.join(" AND ")
    );
    let sql = sql.replace("f.body MATCH", "message_fts MATCH");
    let mut stmt = c.prepare(&sql)?;
    let params: Vec<&dyn rusqlite::ToSql> =
        args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
    let rows = stmt.query_map(params.as_slice(), read_row)?;
    rows.map(|r| to_local(me, r?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let c = super::super::schema::open(&dir.path().join("t.db")).unwrap();
        (dir, c)
    }

    fn u(s: &str) -> UserId {
        UserId::new(s).unwrap()
    }

    fn server_msg(conv: &ConversationId, seq: u64, sender: &str, cid: &str, text: &str) -> Message {
        Message {
            conv: conv.clone(),
            seq: Seq(seq),
            id: MsgId(seq * 10),
            client_id: ClientMsgId::new(cid).unwrap(),
            sender: u(sender),
            sent_at: 1_000 + seq as i64,
            content: Content::Text { text: text.into() },
            ext: None,
        }
    }

    fn count(c: &Connection, table: &str) -> i64 {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_message_pulled_twice_is_stored_once() {
        let (_d, mut c) = db();
        let me = u("alice");
        let conv = ConversationId::direct(&me, &u("bob"));
        let m = server_msg(&conv, 1, "bob", "b1", "hi");
        assert!(store_server_message(&mut c, &me, &m).unwrap().inserted);
        assert!(!store_server_message(&mut c, &me, &m).unwrap().inserted);
        assert_eq!(count(&c, "messages"), 1);
        let conv_row = conversation(&c, &me, &conv).unwrap().unwrap();
        assert_eq!((conv_row.max_seq.0, conv_row.unread), (1, 1));
    }

    #[test]
    fn our_pending_message_and_its_server_copy_are_one_row() {
        let (_d, mut c) = db();
        let me = u("alice");
        let conv = ConversationId::direct(&me, &u("bob"));
        let cid = ClientMsgId::new("a1").unwrap();
        let text = Content::Text { text: "yo".into() };
        let q = queue_message(&mut c, &me, &conv, &cid, &text, None, 5).unwrap();
        assert_eq!((q.state, q.seq), (DeliveryState::Sending, None));
        assert_eq!(load_outbox(&c).unwrap().len(), 1);
        // The push of our own message (another device's view) arrives before the ack.
        let s =
            store_server_message(&mut c, &me, &server_msg(&conv, 1, "alice", "a1", "yo")).unwrap();
        assert!(s.was_pending && !s.inserted);
        assert_eq!(s.message.state, DeliveryState::Sent);
        assert!(load_outbox(&c).unwrap().is_empty());
        // The late ack changes nothing.
        let acked = ack(&mut c, &me, &cid, Seq(1), MsgId(10), 1_001)
            .unwrap()
            .unwrap();
        assert_eq!(acked.seq, Some(Seq(1)));
        assert_eq!(count(&c, "messages"), 1);
        let conv_row = conversation(&c, &me, &conv).unwrap().unwrap();
        assert_eq!(conv_row.unread, 0, "own messages are never unread");
        set_read(&c, &conv, Seq(1), true).unwrap();
        let m = message_by_client_id(&c, &me, &me, &cid).unwrap().unwrap();
        assert_eq!(m.state, DeliveryState::Read);
    }

    #[test]
    fn failed_messages_keep_their_reason_and_can_be_requeued() {
        let (_d, mut c) = db();
        let me = u("alice");
        let conv = ConversationId::direct(&me, &u("bob"));
        let cid = ClientMsgId::new("a1").unwrap();
        queue_message(
            &mut c,
            &me,
            &conv,
            &cid,
            &Content::Text { text: "x".into() },
            None,
            5,
        )
        .unwrap();
        let we = WireError::new(tern_proto::ErrorCode::Blocked, "blocked");
        let m = mark_failed(&c, &me, &cid, Some(&we)).unwrap().unwrap();
        assert_eq!((m.state, m.error), (DeliveryState::Failed, Some(we)));
        assert!(load_outbox(&c).unwrap()[0].failed);
        assert!(mark_sending(&c, &me, &cid, 9).unwrap());
        let e = &load_outbox(&c).unwrap()[0];
        assert_eq!((e.failed, e.attempts, e.queued_at), (false, 0, 9));
    }

    #[test]
    fn synced_seq_stops_at_holes() {
        let (_d, mut c) = db();
        let me = u("alice");
        let conv = ConversationId::direct(&me, &u("bob"));
        for seq in [1, 2, 4] {
            let m = server_msg(&conv, seq, "bob", &format!("b{seq}"), "x");
            store_server_message(&mut c, &me, &m).unwrap();
        }
        assert_eq!(advance_synced(&c, &conv, 0).unwrap(), 2);
        assert_eq!(present_seqs(&c, &conv, 2, 4).unwrap(), vec![4]);
        store_server_message(&mut c, &me, &server_msg(&conv, 3, "bob", "b3", "x")).unwrap();
        assert_eq!(advance_synced(&c, &conv, 0).unwrap(), 4);
        assert_eq!(
            advance_synced(&c, &conv, 10).unwrap(),
            10,
            "a floor skips history"
        );
    }

    #[test]
    fn search_uses_trigrams_and_short_term_fallback_and_forgets_recalled() {
        let (_d, mut c) = db();
        let me = u("alice");
        let conv = ConversationId::direct(&me, &u("bob"));
        for (seq, t) in [(1, "大家你好呀"), (2, "Hello there"), (3, "say hello")] {
            let m = server_msg(&conv, seq, "bob", &format!("b{seq}"), t);
            store_server_message(&mut c, &me, &m).unwrap();
        }
        assert_eq!(search(&c, &me, "你好", 0, 10).unwrap().len(), 1);
        let hello = search(&c, &me, "hello", 0, 10).unwrap();
        assert_eq!(
            hello.iter().map(|m| m.seq.unwrap().0).collect::<Vec<_>>(),
            [3, 2]
        );
        assert_eq!(search(&c, &me, "\"", 0, 10).unwrap().len(), 0);
        assert_eq!(search(&c, &me, "say \"hello", 0, 10).unwrap().len(), 0);
        assert!(recall(&c, &me, &conv, Seq(3), &u("bob"), 9)
            .unwrap()
            .is_some());
        assert!(
            recall(&c, &me, &conv, Seq(3), &u("bob"), 9)
                .unwrap()
                .is_none(),
            "once"
        );
        assert_eq!(search(&c, &me, "hello", 0, 10).unwrap().len(), 1);
    }
}
