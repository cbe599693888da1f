//! Reading conversations: message rows, ranges (pull, history), the conversation
//! list with each member's read mark, and the recall log. Depends on no other
//! module of the conversation code; sending and read state (`super::messages`)
//! read their rows through it.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{
    ClientMsgId, Content, ConversationId, ConversationInfo, Message, MsgId, RecallEntry, Seq,
    UserId,
};

use super::accounts::parse_user;
use super::{StoreError, StoreResult};
use crate::storage::budget::Budget;

/// A member's read mark, from `members m` joined with `conversations c`: the
/// written one, or the seq of the conversation's last message when they sent it
/// (sending implies having read up to one's own message; migration 0019: that
/// mark is not written per send, it moves with the conversation's tail).
pub(super) const READ_MARK: &str =
    "MAX(m.read_seq, CASE WHEN c.tail_sender = m.user THEN c.tail_seq ELSE 0 END)";

pub(super) const MESSAGE_SELECT: &str =
    "SELECT conv, seq, id, client_id, sender, sent_at, content, ext, edited_at, reply_to, mentions FROM messages";

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoreResult<Message>> {
    let conv: String = r.get(0)?;
    let seq: i64 = r.get(1)?;
    let id: i64 = r.get(2)?;
    let client_id: String = r.get(3)?;
    let sender: String = r.get(4)?;
    let sent_at: i64 = r.get(5)?;
    let content: String = r.get(6)?;
    let ext: Option<String> = r.get(7)?;
    let edited_at: Option<i64> = r.get(8)?;
    let reply_to: Option<i64> = r.get(9)?;
    let mentions: Option<String> = r.get(10)?;
    Ok((|| {
        let bad = |e: tern_proto::IdError| StoreError::Corrupt(format!("id: {e}"));
        Ok(Message {
            conv: ConversationId::parse(&conv).map_err(bad)?,
            seq: Seq(seq as u64),
            id: MsgId(id as u64),
            client_id: ClientMsgId::new(client_id).map_err(bad)?,
            sender: parse_user(sender)?,
            sent_at,
            content: serde_json::from_str(&content)?,
            ext: ext.map(|e| serde_json::from_str(&e)).transpose()?,
            edited_at,
            reply_to: reply_to.map(|r| Seq(r as u64)),
            mentions: mentions.map(|m| serde_json::from_str(&m)).transpose()?,
        })
    })())
}

pub(super) fn collect_messages(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
) -> StoreResult<Vec<Message>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(p, message_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r??);
    }
    Ok(out)
}

/// Like [`collect_messages`], but stops once the rows' stored JSON has used
/// up `budget` (one answer's: a page of `pull` or `history`, or the last
/// messages of `conversations`).
fn collect_page(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    budget: &mut Budget,
) -> StoreResult<Vec<Message>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(p)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        // content, ext, mentions: the columns of unbounded size.
        let bytes = [6, 7, 10]
            .into_iter()
            .map(|i| {
                r.get_ref(i)
                    .map(|v| v.as_bytes_or_null().ok().flatten().map_or(0, <[u8]>::len))
            })
            .sum::<rusqlite::Result<usize>>()?;
        if !budget.admits(bytes) {
            break;
        }
        out.push(message_row(r)??);
    }
    Ok(out)
}

pub(super) fn by_client_id(
    conn: &Connection,
    sender: &UserId,
    client_id: &ClientMsgId,
) -> StoreResult<Option<Message>> {
    let sql = format!("{MESSAGE_SELECT} WHERE sender = ?1 AND client_id = ?2");
    Ok(collect_messages(conn, &sql, [sender.as_str(), client_id.as_str()])?.pop())
}

/// Messages with `from <= seq <= to`, oldest first, at most `limit` (and
/// at most one answer's [`Budget`]).
pub fn pull(
    conn: &Connection,
    conv: &ConversationId,
    from: Seq,
    to: Seq,
    limit: u32,
) -> StoreResult<Vec<Message>> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE conv = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4"
    );
    collect_page(
        conn,
        &sql,
        params![
            conv.to_string(),
            from.0 as i64,
            to.0.min(i64::MAX as u64) as i64,
            limit
        ],
        &mut Budget::default(),
    )
}

/// Up to `limit` messages before `before` (exclusive) and after `floor`
/// (exclusive: see [`super::messages::visible_from`]), newest first.
pub fn history(
    conn: &Connection,
    conv: &ConversationId,
    before: Option<Seq>,
    floor: u64,
    limit: u32,
) -> StoreResult<Vec<Message>> {
    history_within(conn, conv, before, floor, limit, &mut Budget::default())
}

/// [`history`] within `budget`.
fn history_within(
    conn: &Connection,
    conv: &ConversationId,
    before: Option<Seq>,
    floor: u64,
    limit: u32,
    budget: &mut Budget,
) -> StoreResult<Vec<Message>> {
    let before = before
        .map(|s| s.0.min(i64::MAX as u64) as i64)
        .unwrap_or(i64::MAX);
    let sql = format!(
        "{MESSAGE_SELECT} WHERE conv = ?1 AND seq < ?2 AND seq > ?3 ORDER BY seq DESC LIMIT ?4"
    );
    let floor = floor.min(i64::MAX as u64) as i64;
    collect_page(
        conn,
        &sql,
        params![conv.to_string(), before, floor, limit],
        budget,
    )
}

/// `user`'s conversations, most recent activity first.
pub fn conversations(conn: &Connection, user: &UserId) -> StoreResult<Vec<ConversationInfo>> {
    // The peer's read seq only for direct conversations (exactly one other member).
    let mut stmt = conn.prepare(&format!(
        "SELECT c.id, c.max_seq, {READ_MARK}, c.recall_version,
               CASE WHEN c.kind = 'direct' THEN (SELECT MAX({PEER_MARK}) FROM members p
                 WHERE p.conv = c.id AND p.user <> m.user) END, m.visible_from, c.edit_version,
               c.reaction_version, c.pin_version
             FROM members m JOIN conversations c ON c.id = m.conv
             WHERE m.user = ?1 ORDER BY c.last_at DESC, c.id",
        PEER_MARK = READ_MARK.replace("m.", "p.")
    ))?;
    let rows = stmt
        .query_map([user.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    // The last messages share one answer's budget: past it `last` is left out.
    let mut budget = Budget::default();
    for (
        id,
        max,
        read,
        recall_version,
        peer_read,
        floor,
        edit_version,
        reaction_version,
        pin_version,
    ) in rows
    {
        let conv = ConversationId::parse(&id)
            .map_err(|e| StoreError::Corrupt(format!("conversation id: {e}")))?;
        let floor = floor as u64;
        let last = history_within(conn, &conv, None, floor, 1, &mut budget)?.pop();
        let (max, read) = (max as u64, read as u64);
        out.push(ConversationInfo {
            conv,
            max_seq: Seq(max),
            read_seq: Seq(read),
            peer_read_seq: Seq(peer_read.unwrap_or(0) as u64),
            unread: max.saturating_sub(read),
            last,
            recall_version: recall_version as u64,
            edit_version: edit_version as u64,
            reaction_version: reaction_version as u64,
            pin_version: pin_version as u64,
            visible_from: Seq(floor),
        });
    }
    Ok(out)
}

/// `conv`'s recall log after version `since`, oldest first, at most `limit`,
/// with the conversation's current recall version.
pub fn recalls(
    conn: &Connection,
    conv: &ConversationId,
    since: u64,
    limit: u32,
) -> StoreResult<(u64, Vec<RecallEntry>)> {
    let latest: i64 = conn
        .query_row(
            "SELECT recall_version FROM conversations WHERE id = ?1",
            [conv.to_string()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let mut stmt = conn.prepare_cached(
        "SELECT recall_version, seq, content FROM messages
         WHERE conv = ?1 AND recall_version > ?2 ORDER BY recall_version LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(
            params![conv.to_string(), since.min(i64::MAX as u64) as i64, limit],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (version, seq, content) in rows {
        let Content::Recalled { by, at } = serde_json::from_str(&content)? else {
            return Err(StoreError::Corrupt(format!(
                "message {seq} of {conv} has a recall version but no tombstone"
            )));
        };
        out.push(RecallEntry {
            version: version as u64,
            seq: Seq(seq as u64),
            by,
            at,
        });
    }
    Ok((latest as u64, out))
}
