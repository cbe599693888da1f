//! Sending, reading, read marks, recalls, edits and typing.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ConversationInfo, EditEntry, ErrorCode, Message, Push,
    RecallEntry, Seq, UserId, WireError,
};

use super::{check_len, invalid, page, ServiceResult};
use crate::state::Shared;
use crate::storage::api::{NewMessage, TextEdit};
use crate::storage::SendOutcome;
use crate::storage::{now_ms, ConnId};

/// Longest file name in a file reference, in characters.
const MAX_FILE_NAME: usize = 255;

/// A send whose write is queued; resolves to the stored message (or the
/// original one for a resend: `duplicate`) once committed.
pub type PendingSend = Pin<Box<dyn Future<Output = ServiceResult<SendOutcome>> + Send>>;

/// A message to store.
pub struct Outgoing {
    /// Who sends it.
    pub sender: UserId,
    /// Where to.
    pub conv: ConversationId,
    /// Dedup key together with the sender.
    pub client_id: ClientMsgId,
    /// What it says.
    pub content: Content,
    /// Optional application JSON object.
    pub ext: Option<Value>,
    /// The message (same conversation) it replies to.
    pub reply_to: Option<Seq>,
    /// Whom it mentions (groups only; checked in the send's transaction).
    pub mentions: Option<tern_proto::Mentions>,
}

/// A user's `send` (WebSocket, or the admin API sending as a user): validated
/// as a client's message, under the server's friendship rule. `after` is the
/// `send` request's precondition; after the commit the message goes to every
/// member's devices except the connection `except`.
pub async fn send(
    s: &Shared,
    msg: Outgoing,
    after: Option<ClientMsgId>,
    except: Option<ConnId>,
) -> ServiceResult<PendingSend> {
    validate(s.config.max_text_chars, &msg.content, msg.ext.as_ref())?;
    send_validated(s, msg, after, except).await
}

/// [`send`] for content already checked by the caller (a `forward` copies
/// stored content, chat histories included): the same moderation hook, rules
/// (membership, blocks, mutes, friendship, mentions) and delivery.
pub async fn send_validated(
    s: &Shared,
    mut msg: Outgoing,
    after: Option<ClientMsgId>,
    except: Option<ConnId>,
) -> ServiceResult<PendingSend> {
    if let Some(m) = &mut msg.mentions {
        check_mentions(m)?;
    }
    if msg.mentions.as_ref().is_some_and(|m| m.is_empty()) {
        msg.mentions = None;
    }
    let msg = moderate(s, msg).await?;
    store(s, msg, after, s.config.require_friendship, except).await
}

/// The shape of a mention list (who is a member is checked when storing):
/// at most [`tern_proto::forward::MAX_MENTIONS`] users, each once.
fn check_mentions(m: &mut tern_proto::Mentions) -> ServiceResult<()> {
    let mut seen = std::collections::HashSet::new();
    m.users.retain(|u| seen.insert(u.clone()));
    if m.users.len() > tern_proto::forward::MAX_MENTIONS {
        return Err(WireError::new(
            ErrorCode::BadMention,
            format!(
                "a message may mention at most {} users",
                tern_proto::forward::MAX_MENTIONS
            ),
        ));
    }
    Ok(())
}

/// The `message.send` before-hook: may refuse the message or rewrite its text
/// (the rewritten text is checked again and is what is stored and delivered).
/// It is asked only about a message the sender may send: one the store would
/// refuse (not a member, blocked, muted, ...) is refused first, without
/// asking; a resend of a stored message is not asked about (the send answers
/// the stored copy, whatever the hook would say now).
async fn moderate(s: &Shared, mut msg: Outgoing) -> ServiceResult<Outgoing> {
    if !s.webhooks.wants("message.send") {
        return Ok(msg);
    }
    let friends = s.config.require_friendship;
    let (sender, conv, client_id) = (&msg.sender, &msg.conv, &msg.client_id);
    let stored = s
        .store
        .precheck_send(sender, conv, client_id, friends, now_ms())
        .await?;
    if stored {
        return Ok(msg);
    }
    let text = match &msg.content {
        Content::Text { text } => Some(text.clone()),
        _ => None,
    };
    let data = serde_json::json!({
        "sender": msg.sender,
        "conv": msg.conv,
        "client_id": msg.client_id,
        "content": msg.content,
        "ext": msg.ext,
    });
    let hooks = &s.webhooks;
    if let Some(new) = hooks.before("message.send", data, text.as_deref()).await? {
        msg.content = Content::Text { text: new };
        validate(s.config.max_text_chars, &msg.content, msg.ext.as_ref())?;
    }
    Ok(msg)
}

/// Queues the write of a message already checked by the caller (the one
/// store path; notices use it with their own checks) and returns as soon as
/// its place in the commit order is fixed, with the future of its outcome.
pub async fn store(
    s: &Shared,
    msg: Outgoing,
    after: Option<ClientMsgId>,
    require_friendship: bool,
    except: Option<ConnId>,
) -> ServiceResult<PendingSend> {
    let new = NewMessage {
        sender: msg.sender,
        conv: msg.conv,
        client_id: msg.client_id,
        content: msg.content,
        ext: msg.ext,
        reply_to: msg.reply_to,
        mentions: msg.mentions,
        require_friendship,
        after,
    };
    let started = std::time::Instant::now();
    let metrics = s.metrics.clone();
    let hooks = s.webhooks.clone();
    let pending = s.store.send(new, now_ms(), except).await?;
    Ok(Box::pin(async move {
        let sent = pending.await?;
        crate::fault::point("after_send_commit");
        metrics.db_write.observe(started.elapsed().as_secs_f64());
        metrics.messages_in.inc();
        // `message.stored` was queued in the send's own transaction.
        if !sent.duplicate {
            hooks.wake_for("message.stored");
        }
        Ok(sent)
    }))
}

/// Checks content against the limits and what clients may send.
pub fn validate(max: usize, content: &Content, ext: Option<&Value>) -> ServiceResult<()> {
    match content {
        Content::Text { text } => {
            if text.is_empty() {
                return Err(invalid("text must not be empty"));
            }
            check_len("text", text, max)?;
        }
        Content::Image { file, .. }
        | Content::File { file }
        | Content::Audio { file, .. }
        | Content::Video { file, .. } => {
            check_len("file.name", &file.name, MAX_FILE_NAME)?;
            check_len("file.mime", &file.mime, 255)?;
        }
        Content::Location { lat, lon, label } => {
            if !(-90.0..=90.0).contains(lat) || !(-180.0..=180.0).contains(lon) {
                return Err(invalid(
                    "location needs -90 <= lat <= 90 and -180 <= lon <= 180",
                ));
            }
            check_len("label", label, 256)?;
        }
        Content::Custom { .. } => {}
        Content::System { .. } => {
            return Err(WireError::new(
                ErrorCode::Forbidden,
                "only the server sends system notices",
            ));
        }
        Content::Recalled { .. } => {
            return Err(invalid("a recalled tombstone cannot be sent; use `recall`"))
        }
        _ => return Err(invalid("unsupported content type")),
    }
    if ext.is_some_and(|e| !e.is_object()) {
        return Err(invalid("`ext` must be a JSON object"));
    }
    Ok(())
}

/// My conversations, most recent first.
pub async fn conversations(s: &Shared, me: &UserId) -> ServiceResult<Vec<ConversationInfo>> {
    Ok(s.store.conversations(me).await?)
}

/// `from..=to` of a conversation I may read, oldest first, one page.
pub async fn pull(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    (from, to): (Seq, Seq),
    limit: Option<u32>,
) -> ServiceResult<Vec<Message>> {
    if from > to {
        return Err(invalid("`from` must not be greater than `to`"));
    }
    let limit = page(s, limit, 100);
    Ok(s.store.pull(me, conv, from, to, limit).await?)
}

/// Before `before` (exclusive), newest first, one page.
pub async fn history(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    before: Option<Seq>,
    limit: Option<u32>,
) -> ServiceResult<Vec<Message>> {
    let limit = page(s, limit, 50);
    Ok(s.store.history(me, conv, before, limit).await?)
}

/// One page of a conversation's recall log after `since`.
pub async fn recalls(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    since: u64,
    limit: Option<u32>,
) -> ServiceResult<(u64, Vec<RecallEntry>)> {
    let limit = page(s, limit, 100);
    Ok(s.store.recalls(me, conv, since, limit).await?)
}

/// Moves my read seq forward.
pub async fn mark_read(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
) -> ServiceResult<()> {
    Ok(s.store.mark_read(me, conv, seq).await?)
}

/// Recalls a message within the server's recall window.
pub async fn recall(s: &Shared, me: &UserId, conv: &ConversationId, seq: Seq) -> ServiceResult<()> {
    let window = s.config.recall_window.as_millis() as i64;
    recall_as(s, me, conv, seq, window).await
}

/// Recalls as `me` with a recall window of `window_ms` (the admin API passes
/// no limit); webhooks hear `message.recalled`.
pub async fn recall_as(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
    window_ms: i64,
) -> ServiceResult<()> {
    // `message.recalled` is queued in the recall's own transaction.
    s.store.recall(me, conv, seq, now_ms(), window_ms).await?;
    crate::fault::point("after_recall_commit");
    s.webhooks.wake_for("message.recalled");
    Ok(())
}

/// Replaces the text of my text message within the server's edit window.
/// Returns its new `edited_at`.
pub async fn edit(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    seq: Seq,
    text: String,
) -> ServiceResult<i64> {
    if text.is_empty() {
        return Err(invalid("text must not be empty"));
    }
    check_len("text", &text, s.config.max_text_chars)?;
    let e = TextEdit {
        seq,
        text,
        now: now_ms(),
        window_ms: s.config.edit_window.as_millis().min(i64::MAX as u128) as i64,
    };
    // `message.edited` is queued in the edit's own transaction.
    let edited_at = s.store.edit(me, conv, e).await?;
    crate::fault::point("after_edit_commit");
    s.webhooks.wake_for("message.edited");
    Ok(edited_at)
}

/// One page of a conversation's edit log after `since`.
pub async fn edits(
    s: &Shared,
    me: &UserId,
    conv: &ConversationId,
    since: u64,
    limit: Option<u32>,
) -> ServiceResult<(u64, Vec<EditEntry>)> {
    let limit = page(s, limit, 100);
    Ok(s.store.edits(me, conv, since, limit).await?)
}

/// Shows the peer of a one-to-one chat that I am typing; never stored.
pub async fn typing(s: &Shared, me: &UserId, conv: ConversationId) -> ServiceResult<()> {
    let Some(peer) = conv.peer_of(me).cloned() else {
        return Err(match conv {
            ConversationId::Group(_) => invalid("typing is for one-to-one chats"),
            ConversationId::Direct(..) => {
                WireError::new(ErrorCode::Forbidden, format!("you are not part of {conv}"))
            }
        });
    };
    s.store.may_type(me, &peer).await?;
    let push = Push::Typing {
        conv,
        user: me.clone(),
    };
    // Through the sink: the peer may be connected to another node.
    s.sink
        .deliver(&[crate::storage::Delivery { user: peer, push }]);
    Ok(())
}
