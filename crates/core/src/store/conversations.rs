//! Conversation rows: seq bookkeeping (max, read, peer read, synced), drafts, and
//! the summaries the conversation list shows.

use rusqlite::{params, Connection, OptionalExtension};
use tern_proto::{ConversationId, ConversationInfo, Millis, Seq, UserId};

use super::rows::{bad, ensure_conv, query_messages, HIDDEN};
use super::unread::{not_unread_after, unread_mentions};
use crate::error::Result;
use crate::state::{contiguous_from, unread};
use crate::types::Conversation;

pub(super) fn touch_conv(
    c: &Connection,
    conv: &ConversationId,
    seq: Option<u64>,
    at: Millis,
) -> Result<()> {
    ensure_conv(c, conv)?;
    c.prepare_cached(
        "UPDATE conversations SET max_seq = MAX(max_seq, ?2),
           last_activity = MAX(last_activity, ?3) WHERE conv = ?1",
    )?
    .execute(params![conv.to_string(), seq.unwrap_or(0) as i64, at])?;
    Ok(())
}

/// Seqs present in `conv` with `above < seq <= upto`, ascending.
pub(crate) fn present_seqs(
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
pub(crate) fn conv_seqs(c: &Connection, conv: &ConversationId) -> Result<(u64, u64, u64, u64)> {
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
pub(crate) fn advance_synced(c: &Connection, conv: &ConversationId, floor: u64) -> Result<u64> {
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

/// Merges the server's view of a conversation (seqs only move forward). Returns
/// the peer's read seq when the server's moved it forward (a receipt missed offline).
pub(crate) fn merge_server_conv(c: &Connection, info: &ConversationInfo) -> Result<Option<Seq>> {
    ensure_conv(c, &info.conv)?;
    let (_, _, old_peer_read, _) = conv_seqs(c, &info.conv)?;
    let at = info.last.as_ref().map(|m| m.sent_at).unwrap_or(0);
    c.execute(
        "UPDATE conversations SET max_seq = MAX(max_seq, ?2), read_seq = MAX(read_seq, ?3),
           peer_read_seq = MAX(peer_read_seq, ?5), last_activity = MAX(last_activity, ?4)
         WHERE conv = ?1",
        params![
            info.conv.to_string(),
            info.max_seq.0 as i64,
            info.read_seq.0 as i64,
            at,
            if matches!(info.conv, ConversationId::Group(_)) {
                0
            } else {
                info.peer_read_seq.0 as i64
            }
        ],
    )?;
    if matches!(info.conv, ConversationId::Group(_)) {
        return Ok(None);
    }
    Ok((info.peer_read_seq.0 > old_peer_read).then_some(info.peer_read_seq))
}

/// The last recall version of `conv` applied locally.
pub(crate) fn recall_version(c: &Connection, conv: &ConversationId) -> Result<u64> {
    let v: Option<i64> = c
        .query_row(
            "SELECT recall_version FROM conversations WHERE conv = ?1",
            [conv.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Records that `conv`'s recall log has been applied up to `version`.
pub(crate) fn set_recall_version(
    c: &Connection,
    conv: &ConversationId,
    version: u64,
) -> Result<()> {
    ensure_conv(c, conv)?;
    c.execute(
        "UPDATE conversations SET recall_version = MAX(recall_version, ?2) WHERE conv = ?1",
        params![conv.to_string(), version as i64],
    )?;
    Ok(())
}

/// Sending implies having read up to one's own message (the server records the same):
/// moves my read seq to `seq` for a message I sent.
pub(crate) fn read_own(c: &Connection, conv: &ConversationId, seq: Seq) -> Result<()> {
    set_read(c, conv, seq, false)
}

/// Moves my read seq (or the peer's, with `peer`) forward. A group has no single
/// peer: others' reads there are ignored (its peer read seq stays 0, so my group
/// messages stay `sent`, never `read`).
pub(crate) fn set_read(c: &Connection, conv: &ConversationId, seq: Seq, peer: bool) -> Result<()> {
    if peer && matches!(conv, ConversationId::Group(_)) {
        return Ok(());
    }
    ensure_conv(c, conv)?;
    let col = if peer { "peer_read_seq" } else { "read_seq" };
    c.prepare_cached(&format!(
        "UPDATE conversations SET {col} = MAX({col}, ?2) WHERE conv = ?1"
    ))?
    .execute(params![conv.to_string(), seq.0 as i64])?;
    Ok(())
}

/// Group conversations in the cache (their summaries change when the blacklist does).
pub(crate) fn group_convs(c: &Connection) -> Result<Vec<ConversationId>> {
    let mut stmt = c.prepare("SELECT conv FROM conversations WHERE substr(conv, 1, 2) = 'g:'")?;
    let keys: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    keys.iter()
        .map(|k| ConversationId::parse(k).map_err(bad))
        .collect()
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
    let avatar = avatar
        .map(|a| tern_proto::FileId::new(a).map_err(bad))
        .transpose()?;
    Ok((title, avatar))
}

/// One conversation's summary.
pub(crate) fn conversation(
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
    // Two indexed look-ups: the newest pending message, else the highest seq.
    let pending = "WHERE m.conv = ?1 AND m.seq IS NULL ORDER BY m.rowid DESC LIMIT 1";
    let stored = format!(
        "WHERE m.conv = ?1 AND m.seq IS NOT NULL AND NOT {HIDDEN} ORDER BY m.seq DESC LIMIT 1"
    );
    let last = match query_messages(c, me, pending, &[&key])?.pop() {
        Some(m) => Some(m),
        None => query_messages(c, me, &stored, &[&key])?.pop(),
    };
    let peer = conv.peer_of(me).cloned();
    let (title, avatar) = match (&peer, conv) {
        (Some(p), _) => title_for(c, p)?,
        // A group's conversation exists for me only while I am a member (the cached
        // group); its messages stay in the cache after I leave, out of the list.
        (None, ConversationId::Group(g)) => match super::groups::group(c, g)? {
            Some(info) => (info.name, info.avatar),
            None => return Ok(None),
        },
        (None, _) => (key.clone(), None),
    };
    Ok(Some(Conversation {
        conv: conv.clone(),
        peer,
        title,
        avatar,
        max_seq: Seq(max as u64),
        read_seq: Seq(read as u64),
        peer_read_seq: Seq(peer_read as u64),
        unread: unread(
            max as u64,
            read as u64,
            not_unread_after(c, me, &key, read)?,
        ),
        unread_mentions: unread_mentions(c, me, &key, read)?,
        last,
        last_activity,
        draft,
    }))
}

/// All conversations, most recent activity first.
pub(crate) fn conversations(c: &Connection, me: &UserId) -> Result<Vec<Conversation>> {
    let mut stmt = c.prepare("SELECT conv FROM conversations ORDER BY last_activity DESC, conv")?;
    let keys: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let conv = ConversationId::parse(&k).map_err(bad)?;
        if let Some(s) = conversation(c, me, &conv)? {
            let group = matches!(conv, ConversationId::Group(_));
            if group || s.max_seq.0 > 0 || s.last.is_some() || !s.draft.is_empty() {
                out.push(s);
            }
        }
    }
    Ok(out)
}

/// Saves a draft; a non-empty one counts as activity.
pub(crate) fn set_draft(
    c: &Connection,
    conv: &ConversationId,
    draft: &str,
    now: Millis,
) -> Result<()> {
    ensure_conv(c, conv)?;
    c.execute(
        "UPDATE conversations SET draft = ?2,
           last_activity = CASE WHEN ?2 = '' THEN last_activity ELSE MAX(last_activity, ?3) END
         WHERE conv = ?1",
        params![conv.to_string(), draft, now],
    )?;
    Ok(())
}
