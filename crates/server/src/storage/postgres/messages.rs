//! Conversations, sending and read state on PostgreSQL (a port of
//! `sqlite::messages`; see the module docs of [`super`] for the locking;
//! the reads are in [`super::history`], recall in [`super::recall`]).

use tern_proto::{ClientMsgId, ConversationId, ErrorCode, Message, MsgId, Push, Seq, UserId};
use tokio_postgres::Row;

use super::accounts::{refuse_system_target, require_user};
use super::blacklist::{blocked_by, is_blocked};
use super::files::record_reference;
use super::relations::is_friend;
use super::{corrupt, groups, parse_user, Tx};
use crate::storage::api::NewMessage;
use crate::storage::{Delivery, SendOutcome, StoreError, StoreResult};

fn forbidden(conv: &ConversationId) -> StoreError {
    StoreError::rejected(
        ErrorCode::Forbidden,
        format!("you are not a member of {conv}"),
    )
}

/// Fails unless `user` may read and write `conv`; returns whether it exists yet.
pub(super) async fn check_access(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
) -> StoreResult<bool> {
    match conv {
        ConversationId::Direct(..) if conv.peer_of(user).is_some() => Ok(c
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM conversations WHERE id = $1)",
                &[&conv.to_string()],
            )
            .await?
            .try_get(0)?),
        ConversationId::Direct(..) => Err(forbidden(conv)),
        ConversationId::Group(g) => groups::require_member(c, g, user).await.map(|_| true),
    }
}

/// The last seq of `conv` that `user` may not read (0 when they see everything).
pub(super) async fn visible_from(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
) -> StoreResult<u64> {
    if !matches!(conv, ConversationId::Group(_)) {
        return Ok(0);
    }
    let v: Option<i64> = c
        .query_opt(
            "SELECT visible_from FROM members WHERE conv = $1 AND user_id = $2",
            &[&conv.to_string(), &user.as_str()],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    Ok(v.unwrap_or(0) as u64)
}

/// Members of `conv`, by id.
pub(super) async fn members(c: &Tx<'_>, conv: &ConversationId) -> StoreResult<Vec<UserId>> {
    let rows = c
        .query(
            "SELECT user_id FROM members WHERE conv = $1 ORDER BY user_id COLLATE \"C\"",
            &[&conv.to_string()],
        )
        .await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

/// The members who may read message `seq` of `conv` (not from before they joined a
/// group that hides its history: see [`visible_from`]).
pub(super) async fn members_seeing(
    c: &Tx<'_>,
    conv: &ConversationId,
    seq: Seq,
) -> StoreResult<Vec<UserId>> {
    let rows = c
        .query(
            "SELECT user_id FROM members WHERE conv = $1 AND visible_from < $2
             ORDER BY user_id COLLATE \"C\"",
            &[&conv.to_string(), &(seq.0.min(i64::MAX as u64) as i64)],
        )
        .await?;
    rows.iter().map(|r| parse_user(r.try_get(0)?)).collect()
}

async fn ensure_direct(
    c: &Tx<'_>,
    a: &UserId,
    b: &UserId,
    conv: &ConversationId,
    now: i64,
) -> StoreResult<()> {
    let n = c
        .execute(
            "INSERT INTO conversations (id, kind, created_at, last_at) VALUES ($1, 'direct', $2, $2)
             ON CONFLICT (id) DO NOTHING",
            &[&conv.to_string(), &now],
        )
        .await?;
    if n == 1 {
        for u in [a, b] {
            c.execute(
                "INSERT INTO members (conv, user_id, joined_at) VALUES ($1, $2, $3)",
                &[&conv.to_string(), &u.as_str(), &now],
            )
            .await?;
        }
    }
    Ok(())
}

/// A reply must quote a message of its own conversation that the sender can read.
async fn check_reply_target(
    c: &Tx<'_>,
    sender: &UserId,
    conv: &ConversationId,
    target: Seq,
) -> StoreResult<()> {
    let floor = visible_from(c, sender, conv).await?;
    let exists: bool = c
        .query_one(
            "SELECT EXISTS(SELECT 1 FROM messages WHERE conv = $1 AND seq = $2)",
            &[&conv.to_string(), &(target.0.min(i64::MAX as u64) as i64)],
        )
        .await?
        .try_get(0)?;
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

pub(super) const MESSAGE_SELECT: &str =
    "SELECT conv, seq, id, client_id, sender, sent_at, content, ext, edited_at, reply_to, mentions FROM messages";

pub(super) fn message_row(r: &Row) -> StoreResult<Message> {
    let conv: String = r.try_get(0)?;
    let client_id: String = r.try_get(3)?;
    let content: String = r.try_get(6)?;
    let ext: Option<String> = r.try_get(7)?;
    Ok(Message {
        conv: ConversationId::parse(&conv).map_err(corrupt)?,
        seq: Seq(r.try_get::<_, i64>(1)? as u64),
        id: MsgId(r.try_get::<_, i64>(2)? as u64),
        client_id: ClientMsgId::new(client_id).map_err(corrupt)?,
        sender: parse_user(r.try_get(4)?)?,
        sent_at: r.try_get(5)?,
        content: serde_json::from_str(&content)?,
        ext: ext.map(|e| serde_json::from_str(&e)).transpose()?,
        edited_at: r.try_get(8)?,
        reply_to: r.try_get::<_, Option<i64>>(9)?.map(|s| Seq(s as u64)),
        mentions: r
            .try_get::<_, Option<String>>(10)?
            .map(|m| serde_json::from_str(&m))
            .transpose()?,
    })
}

async fn by_client_id(
    c: &Tx<'_>,
    sender: &UserId,
    client_id: &ClientMsgId,
) -> StoreResult<Option<Message>> {
    let sql = format!("{MESSAGE_SELECT} WHERE sender = $1 AND client_id = $2");
    c.query_opt(&sql, &[&sender.as_str(), &client_id.as_str()])
        .await?
        .map(|r| message_row(&r))
        .transpose()
}

/// Whether `sender` may post to `conv` now: a direct chat's peer exists, is
/// not the system account, has not blocked them (and is a friend both ways
/// under `require_friendship`); a group's member not muted there.
pub(super) async fn check_sender(
    c: &Tx<'_>,
    sender: &UserId,
    conv: &ConversationId,
    require_friendship: bool,
    now: i64,
) -> StoreResult<()> {
    match conv.peer_of(sender) {
        Some(peer) => {
            refuse_system_target(c, peer, "messages").await?;
            require_user(c, peer).await?;
            if is_blocked(c, peer, sender).await? {
                return Err(StoreError::rejected(
                    ErrorCode::Blocked,
                    format!("{peer} has blocked you"),
                ));
            }
            if require_friendship
                && !(is_friend(c, sender, peer).await? && is_friend(c, peer, sender).await?)
            {
                return Err(StoreError::rejected(
                    ErrorCode::NotFriends,
                    format!("this server only allows messages between friends; {peer} is not your friend"),
                ));
            }
            Ok(())
        }
        None => match conv {
            ConversationId::Group(g) => groups::check_can_post(c, g, sender, now).await,
            ConversationId::Direct(..) => check_access(c, sender, conv).await.map(drop),
        },
    }
}

/// Whether `sender`'s message with `client_id` is stored.
async fn is_stored(c: &Tx<'_>, sender: &UserId, client_id: &ClientMsgId) -> StoreResult<bool> {
    Ok(c.query_one(
        "SELECT EXISTS(SELECT 1 FROM messages WHERE sender = $1 AND client_id = $2)",
        &[&sender.as_str(), &client_id.as_str()],
    )
    .await?
    .try_get(0)?)
}

/// See [`crate::storage::api::Messages::precheck_send`].
pub(super) async fn precheck(
    c: &Tx<'_>,
    sender: &UserId,
    conv: &ConversationId,
    client_id: &ClientMsgId,
    require_friendship: bool,
    now: i64,
) -> StoreResult<bool> {
    if is_stored(c, sender, client_id).await? {
        return Ok(true);
    }
    check_sender(c, sender, conv, require_friendship, now).await?;
    Ok(false)
}

/// Stores a message with the next seq of its conversation, or returns the
/// original on a resend of the same (sender, client id).
pub(super) async fn send(c: &Tx<'_>, a: &NewMessage, now: i64) -> StoreResult<SendOutcome> {
    // Serialise sends of one (sender, client id) across processes before the
    // lookup; the UNIQUE constraint is the backstop. The key is the pair,
    // length-prefixed (PostgreSQL text cannot hold the NUL separator).
    c.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(length($1)::text || ':' || $1 || $2, 0))",
        &[&a.sender.as_str(), &a.client_id.as_str()],
    )
    .await?;
    if let Some(message) = by_client_id(c, &a.sender, &a.client_id).await? {
        return Ok(SendOutcome {
            message,
            duplicate: true,
            members: Vec::new(),
        });
    }
    if let Some(after) = &a.after {
        if !is_stored(c, &a.sender, after).await? {
            return Err(StoreError::rejected(
                ErrorCode::OutOfOrder,
                format!(
                    "your message `{after}` (named in `after`) is not stored yet; send it first"
                ),
            ));
        }
    }
    check_sender(c, &a.sender, &a.conv, a.require_friendship, now).await?;
    if let Some(peer) = a.conv.peer_of(&a.sender) {
        ensure_direct(c, &a.sender, peer, &a.conv, now).await?;
    }
    if let Some(target) = a.reply_to {
        check_reply_target(c, &a.sender, &a.conv, target).await?;
    }
    if let Some(m) = &a.mentions {
        super::mentions::check(c, &a.sender, &a.conv, m).await?;
    }
    let conv = a.conv.to_string();
    // The conversation's row lock serialises its writers across processes;
    // a rollback undoes the increment, so seqs stay gap-free.
    let seq: i64 = c
        .query_one(
            "UPDATE conversations SET max_seq = max_seq + 1, last_at = $2 WHERE id = $1
             RETURNING max_seq",
            &[&conv, &now],
        )
        .await?
        .try_get(0)?;
    let ext = a.ext.as_ref().map(serde_json::to_string).transpose()?;
    let mentions = a.mentions.as_ref().map(serde_json::to_string).transpose()?;
    let id: i64 = c
        .query_one(
            "INSERT INTO messages (conv, seq, sender, client_id, sent_at, content, ext, reply_to, mentions)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &conv,
                &seq,
                &a.sender.as_str(),
                &a.client_id.as_str(),
                &now,
                &serde_json::to_string(&a.content)?,
                &ext,
                &a.reply_to.map(|r| r.0 as i64),
                &mentions,
            ],
        )
        .await?
        .try_get(0)?;
    record_reference(c, &a.sender, &a.conv, seq, &a.content, now).await?;
    c.execute(
        "UPDATE members SET read_seq = $3 WHERE conv = $1 AND user_id = $2 AND read_seq < $3",
        &[&conv, &a.sender.as_str(), &seq],
    )
    .await?;
    let message = Message {
        conv: a.conv.clone(),
        seq: Seq(seq as u64),
        id: MsgId(id as u64),
        client_id: a.client_id.clone(),
        sender: a.sender.clone(),
        sent_at: now,
        content: a.content.clone(),
        ext: a.ext.clone(),
        edited_at: None,
        reply_to: a.reply_to,
        mentions: a.mentions.clone(),
    };
    let mut members = members(c, &a.conv).await?;
    if matches!(a.conv, ConversationId::Group(_)) {
        let blockers = blocked_by(c, &a.sender).await?;
        members.retain(|m| !blockers.contains(m));
    }
    Ok(SendOutcome {
        message,
        duplicate: false,
        members,
    })
}

pub(super) async fn mark_read(
    c: &Tx<'_>,
    user: &UserId,
    conv: &ConversationId,
    seq: Seq,
    out: &mut Vec<Delivery>,
) -> StoreResult<Seq> {
    if !check_access(c, user, conv).await? {
        return Ok(Seq(0));
    }
    let key = conv.to_string();
    let max: i64 = c
        .query_one("SELECT max_seq FROM conversations WHERE id = $1", &[&key])
        .await?
        .try_get(0)?;
    let target = seq.0.min(max as u64) as i64;
    let n = c
        .execute(
            "UPDATE members SET read_seq = $3 WHERE conv = $1 AND user_id = $2 AND read_seq < $3",
            &[&key, &user.as_str(), &target],
        )
        .await?;
    let now: i64 = c
        .query_one(
            "SELECT read_seq FROM members WHERE conv = $1 AND user_id = $2",
            &[&key, &user.as_str()],
        )
        .await?
        .try_get(0)?;
    if n == 1 {
        let push = Push::Read {
            conv: conv.clone(),
            user: user.clone(),
            seq: Seq(now as u64),
        };
        let to = match conv {
            ConversationId::Group(_) => vec![user.clone()],
            ConversationId::Direct(..) => members(c, conv).await?,
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
