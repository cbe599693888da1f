//! Conversations, members, sending and read state (reading them:
//! [`super::history`]; recall: [`super::recall`]).
//!
//! A conversation row holds the seq counter; membership rows hold each user's
//! read seq. Direct conversations (`d:a:b`) are created on their first message;
//! group conversations (`g:x`) will be created by the group commands and use
//! the same tables.

use crate::storage::SendOutcome;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, Message, MsgId, Push, Seq, UserId,
};

use super::accounts::{parse_user, require_user};
use super::changelog::Delivery;
use super::history::{by_client_id, READ_MARK};
use super::relations::is_friend;
use super::{StoreError, StoreResult};

/// Fails unless `user` may read and write `conv`; returns whether the
/// conversation exists yet (a direct one may not until its first message).
pub fn check_access(conn: &Connection, user: &UserId, conv: &ConversationId) -> StoreResult<bool> {
    match conv {
        ConversationId::Direct(..) if conv.peer_of(user).is_some() => Ok(conn
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM conversations WHERE id = ?1)")?
            .query_row([conv.to_string()], |r| r.get(0))?),
        ConversationId::Direct(..) => Err(forbidden(conv)),
        // Membership comes from the group's `members` rows; a missing or
        // dismissed group is `NotFound`, a non-member `Forbidden`.
        ConversationId::Group(g) => super::groups::require_member(conn, g, user).map(|_| true),
    }
}

/// The last seq of `conv` that `user` may not read (sent before they joined a
/// group that hides its history from newcomers); 0 when they see everything.
pub fn visible_from(conn: &Connection, user: &UserId, conv: &ConversationId) -> StoreResult<u64> {
    if !matches!(conv, ConversationId::Group(_)) {
        return Ok(0);
    }
    let v: Option<i64> = conn
        .prepare_cached("SELECT visible_from FROM members WHERE conv = ?1 AND user = ?2")?
        .query_row([conv.to_string(), user.to_string()], |r| r.get(0))
        .optional()?;
    Ok(v.unwrap_or(0) as u64)
}

fn forbidden(conv: &ConversationId) -> StoreError {
    StoreError::rejected(
        ErrorCode::Forbidden,
        format!("you are not a member of {conv}"),
    )
}

/// Members of `conv`.
pub fn members(conn: &Connection, conv: &ConversationId) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached("SELECT user FROM members WHERE conv = ?1 ORDER BY user")?;
    let rows = stmt.query_map([conv.to_string()], |r| r.get::<_, String>(0))?;
    rows.map(|r| parse_user(r?)).collect()
}

/// The members who may read message `seq` of `conv` (not from before they joined a
/// group that hides its history: see [`visible_from`]).
pub fn members_seeing(
    conn: &Connection,
    conv: &ConversationId,
    seq: Seq,
) -> StoreResult<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT user FROM members WHERE conv = ?1 AND visible_from < ?2 ORDER BY user",
    )?;
    let rows = stmt.query_map(
        params![conv.to_string(), seq.0.min(i64::MAX as u64) as i64],
        |r| r.get::<_, String>(0),
    )?;
    rows.map(|r| parse_user(r?)).collect()
}

fn ensure_direct(
    conn: &Connection,
    a: &UserId,
    b: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    let n = conn.prepare_cached("INSERT OR IGNORE INTO conversations (id, kind, created_at, last_at) VALUES (?1, 'direct', ?2, ?2)")?.execute(
        params![conv.to_string(), now],
    )?;
    if n == 1 {
        for u in [a, b] {
            conn.prepare_cached("INSERT INTO members (conv, user, joined_at) VALUES (?1, ?2, ?3)")?
                .execute(params![conv.to_string(), u.as_str(), now])?;
        }
    }
    Ok(())
}

/// Parameters of one send.
pub struct SendArgs<'a> {
    /// Authenticated sender.
    pub sender: &'a UserId,
    /// Target conversation.
    pub conv: &'a ConversationId,
    /// Client id (dedup key with the sender).
    pub client_id: &'a ClientMsgId,
    /// Content.
    pub content: &'a Content,
    /// Optional ext object.
    pub ext: Option<&'a Value>,
    /// Server time.
    pub now: i64,
    /// Whether a one-to-one message needs a two-way friendship.
    pub require_friendship: bool,
    /// Store only if the sender's message with this client id is stored.
    pub after: Option<&'a ClientMsgId>,
    /// The message of the same conversation it replies to.
    pub reply_to: Option<Seq>,
    /// Whom it mentions.
    pub mentions: Option<&'a tern_proto::Mentions>,
}

impl SendArgs<'_> {
    /// The message these arguments stored as `seq` with the row id `id`.
    pub(super) fn stored(&self, seq: i64, id: i64) -> Message {
        Message {
            conv: self.conv.clone(),
            seq: Seq(seq as u64),
            id: MsgId(id as u64),
            client_id: self.client_id.clone(),
            sender: self.sender.clone(),
            sent_at: self.now,
            content: self.content.clone(),
            ext: self.ext.cloned(),
            edited_at: None,
            reply_to: self.reply_to,
            mentions: self.mentions.cloned(),
        }
    }
}

/// Stores a message with the next seq, or returns the original on a resend.
pub fn send(conn: &Connection, a: &SendArgs<'_>) -> StoreResult<SendOutcome> {
    if let Some(message) = by_client_id(conn, a.sender, a.client_id)? {
        return Ok(SendOutcome {
            message,
            duplicate: true,
            members: Vec::new(),
        });
    }
    if let Some(after) = a.after {
        if !is_stored(conn, a.sender, after)? {
            return Err(StoreError::rejected(
                ErrorCode::OutOfOrder,
                format!(
                    "your message `{after}` (named in `after`) is not stored yet; send it first"
                ),
            ));
        }
    }
    check_sender(conn, a.sender, a.conv, a.require_friendship, a.now)?;
    if let Some(target) = a.reply_to {
        check_reply_target(conn, a.sender, a.conv, target)?;
    }
    if let Some(m) = a.mentions {
        super::mentions::check(conn, a.sender, a.conv, m)?;
    }
    let conv = a.conv.to_string();
    // The next seq, one statement when the conversation exists (a failure after
    // this point is undone with the job's savepoint); a one-to-one chat's first
    // message creates it.
    let seq = match next_seq(conn, &conv, a.sender, a.now)? {
        Some(seq) => seq,
        None => match a.conv.peer_of(a.sender) {
            Some(peer) => {
                ensure_direct(conn, a.sender, peer, a.conv, a.now)?;
                next_seq(conn, &conv, a.sender, a.now)?.ok_or_else(|| forbidden(a.conv))?
            }
            None => return Err(forbidden(a.conv)),
        },
    };
    let ext = a.ext.map(serde_json::to_string).transpose()?;
    let reply_to = a.reply_to.map(|r| r.0 as i64);
    let mentions = a.mentions.map(serde_json::to_string).transpose()?;
    conn.prepare_cached("INSERT INTO messages (conv, seq, sender, client_id, sent_at, content, ext, reply_to, mentions) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")?.execute(
        params![conv, seq, a.sender.as_str(), a.client_id.as_str(), a.now, serde_json::to_string(a.content)?, ext, reply_to, mentions],
    )?;
    let id = conn.last_insert_rowid();
    // A message referencing a file lets the conversation's members download it.
    super::files::record_reference(conn, a.sender, a.conv, seq as u64, a.content, a.now)?;
    // Sending implies having read the conversation up to one's own message: the
    // conversation's tail (set by `next_seq`) says so, see [`READ_MARK`].
    let message = a.stored(seq, id);
    // A one-to-one chat's members are the two in its id (ensure_direct made them).
    let mut members = match a.conv {
        ConversationId::Direct(x, y) if x == y => vec![x.clone()],
        ConversationId::Direct(x, y) => vec![x.clone(), y.clone()],
        ConversationId::Group(_) => members(conn, a.conv)?,
    };
    if matches!(a.conv, ConversationId::Group(_)) {
        // Whoever blocked the sender is not pushed their group messages.
        let blockers = super::blacklist::blocked_by(conn, a.sender)?;
        members.retain(|m| !blockers.contains(m));
    }
    Ok(SendOutcome {
        message,
        duplicate: false,
        members,
    })
}

/// Whether `sender` may post to `conv` now: a direct chat's peer exists, is
/// not the system account, has not blocked them (and is a friend both ways
/// under `require_friendship`); a group's member not muted there.
pub(super) fn check_sender(
    conn: &Connection,
    sender: &UserId,
    conv: &ConversationId,
    require_friendship: bool,
    now: i64,
) -> StoreResult<()> {
    match conv.peer_of(sender) {
        Some(peer) => {
            super::accounts::refuse_system_target(conn, peer, "messages")?;
            // Whether the peer exists and has blocked the sender, in one statement
            // (the send path's statements are the writer's cost: S2, issue 21).
            let (exists, blocked) = peer_state(conn, peer, sender)?;
            if !exists {
                require_user(conn, peer)?;
            }
            if blocked {
                return Err(StoreError::rejected(
                    ErrorCode::Blocked,
                    format!("{peer} has blocked you"),
                ));
            }
            if require_friendship
                && !(is_friend(conn, sender, peer)? && is_friend(conn, peer, sender)?)
            {
                return Err(StoreError::rejected(
                    ErrorCode::NotFriends,
                    format!("this server only allows messages between friends; {peer} is not your friend"),
                ));
            }
            Ok(())
        }
        None => match conv {
            // Members only, and not while muted (personally or the whole group).
            ConversationId::Group(g) => super::groups::check_can_post(conn, g, sender, now),
            ConversationId::Direct(..) => check_access(conn, sender, conv).map(drop),
        },
    }
}

/// See [`crate::storage::api::Messages::precheck_send`].
pub fn precheck(
    conn: &Connection,
    sender: &UserId,
    conv: &ConversationId,
    client_id: &ClientMsgId,
    require_friendship: bool,
    now: i64,
) -> StoreResult<bool> {
    if is_stored(conn, sender, client_id)? {
        return Ok(true);
    }
    check_sender(conn, sender, conv, require_friendship, now)?;
    Ok(false)
}

/// Whether `peer` exists, and whether they have blocked `sender`: one statement.
pub(super) fn peer_state(
    conn: &Connection,
    peer: &UserId,
    sender: &UserId,
) -> StoreResult<(bool, bool)> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM users WHERE id = ?1), \
             EXISTS(SELECT 1 FROM blacklist WHERE owner = ?1 AND blocked = ?2)",
        )?
        .query_row([peer.as_str(), sender.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

/// Whether `sender`'s message with `client_id` is stored.
pub(super) fn is_stored(
    conn: &Connection,
    sender: &UserId,
    client_id: &ClientMsgId,
) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM messages WHERE sender = ?1 AND client_id = ?2)",
        )?
        .query_row([sender.as_str(), client_id.as_str()], |r| r.get(0))?)
}

/// Takes the next seq of `conv` for a message of `sender` (which becomes the
/// conversation's tail, and marks its last activity); `None` when no such
/// conversation is stored. The previous tail's sender, if someone else, gets
/// the read mark it implied written first.
fn next_seq(conn: &Connection, conv: &str, sender: &UserId, now: i64) -> StoreResult<Option<i64>> {
    conn.prepare_cached(
        "UPDATE members SET read_seq = c.tail_seq FROM conversations c
         WHERE c.id = ?1 AND members.conv = ?1 AND members.user = c.tail_sender
           AND c.tail_sender <> ?2 AND members.read_seq < c.tail_seq",
    )?
    .execute(params![conv, sender.as_str()])?;
    Ok(conn
        .prepare_cached(
            "UPDATE conversations SET max_seq = max_seq + 1, last_at = ?2, tail_sender = ?3,
               tail_seq = max_seq + 1
             WHERE id = ?1 RETURNING max_seq",
        )?
        .query_row(params![conv, now, sender.as_str()], |r| r.get(0))
        .optional()?)
}

/// A reply must quote a message of its own conversation that the sender can
/// read: stored, and not from before they joined a group hiding its history.
fn check_reply_target(
    conn: &Connection,
    sender: &UserId,
    conv: &ConversationId,
    target: Seq,
) -> StoreResult<()> {
    let floor = visible_from(conn, sender, conv)?;
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM messages WHERE conv = ?1 AND seq = ?2)")?
        .query_row(
            params![conv.to_string(), target.0.min(i64::MAX as u64) as i64],
            |r| r.get(0),
        )?;
    if !exists || target.0 <= floor {
        return Err(StoreError::rejected(
            ErrorCode::BadReply,
            format!(
                "`reply_to`: no message {} in {conv} that you can read",
                target.0
            ),
        ));
    }
    Ok(())
}

/// Moves `user`'s read seq forward to `seq` (clamped to the max seq); queues a
/// `Read` push when it moved: to every member of a direct conversation, only to
/// the reader's own devices in a group (receipts are not fanned out).
pub fn mark_read(
    conn: &Connection,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    out: &mut Vec<Delivery>,
) -> StoreResult<Seq> {
    if !check_access(conn, user, conv)? {
        return Ok(Seq(0));
    }
    let max: i64 = conn
        .prepare_cached("SELECT max_seq FROM conversations WHERE id = ?1")?
        .query_row([conv.to_string()], |r| r.get(0))?;
    let target = (seq.0.min(max as u64)) as i64;
    // Not past a mark already implied by the conversation's tail (READ_MARK).
    let n = conn
        .prepare_cached(
            "UPDATE members SET read_seq = ?3 WHERE conv = ?1 AND user = ?2 AND read_seq < ?3
               AND NOT EXISTS (SELECT 1 FROM conversations c
                 WHERE c.id = ?1 AND c.tail_sender = ?2 AND c.tail_seq >= ?3)",
        )?
        .execute(params![conv.to_string(), user.as_str(), target])?;
    let now: i64 = conn
        .prepare_cached(&format!(
            "SELECT {READ_MARK} FROM members m JOIN conversations c ON c.id = m.conv
             WHERE m.conv = ?1 AND m.user = ?2"
        ))?
        .query_row([conv.to_string(), user.to_string()], |r| r.get(0))?;
    if n == 1 {
        let push = Push::Read {
            conv: conv.clone(),
            user: user.clone(),
            seq: Seq(now as u64),
        };
        let to = match conv {
            ConversationId::Group(_) => vec![user.clone()],
            ConversationId::Direct(..) => members(conn, conv)?,
        };
        for m in to {
            out.push(Delivery {
                user: m,
                push: push.clone(),
            });
        }
    }
    Ok(Seq(now as u64))
}
