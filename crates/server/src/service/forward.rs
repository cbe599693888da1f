//! `forward`: copies of messages I can read, sent to conversations I can send
//! to, one by one or merged into one chat history (issue 17).
//!
//! Each message a forward creates goes through the ordinary send path
//! ([`messages::send_validated`]): the membership, block, mute and friendship
//! rules (read first, so the moderation hook is asked only about messages
//! that may be sent), the moderation hook, the same rules again in the
//! storage transaction, then delivery and catch-up like any message. Files travel by reference: the stored
//! message grants the target's members access exactly as a `send` of the same
//! reference by the forwarder would (only files the forwarder can read).

use std::collections::HashSet;

use tern_proto::forward::{history_depth, MAX_FORWARD_CLIENT_ID, MAX_HISTORY_TITLE};
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, ForwardResult, HistoryItem, Message, Seq,
    UserId, WireError,
};

use super::messages::{self, Outgoing};
use super::{check_len, invalid, ServiceResult};
use crate::forward_config::ForwardSettings;
use crate::state::Shared;
use crate::storage::ConnId;

/// The title of a merged forward when the request gives none.
pub const DEFAULT_TITLE: &str = "Chat history";

/// A `forward` request.
pub struct Forward {
    /// The forward's id (prefix of the client ids of what it creates).
    pub client_id: ClientMsgId,
    /// Where the messages come from.
    pub from: ConversationId,
    /// Which ones, in order.
    pub seqs: Vec<Seq>,
    /// Where they go.
    pub to: Vec<ConversationId>,
    /// One chat history per target instead of one copy per message.
    pub merged: bool,
    /// The chat history's title.
    pub title: Option<String>,
}

fn limit(msg: String) -> WireError {
    WireError::new(ErrorCode::ForwardLimit, msg)
}

fn bad(seq: Seq, from: &ConversationId) -> WireError {
    WireError::new(
        ErrorCode::BadForward,
        format!("no message {} in {from} that you can forward", seq.0),
    )
}

/// Checks the shape and caps (the server's settings) of a forward.
fn check(f: &Forward, caps: &ForwardSettings) -> ServiceResult<()> {
    if f.client_id.as_str().len() > MAX_FORWARD_CLIENT_ID {
        return Err(invalid(format!(
            "a forward's `client_id` has at most {MAX_FORWARD_CLIENT_ID} characters"
        )));
    }
    if f.seqs.is_empty() || f.to.is_empty() {
        return Err(invalid("`seqs` and `to` must not be empty"));
    }
    let (messages, targets) = (caps.max_messages as usize, caps.max_targets as usize);
    if f.seqs.len() > messages {
        return Err(limit(format!("at most {messages} messages per forward")));
    }
    if f.to.len() > targets {
        return Err(limit(format!(
            "at most {targets} target conversations per forward"
        )));
    }
    let copies = caps.max_copies as usize;
    if !f.merged && f.seqs.len().saturating_mul(f.to.len()) > copies {
        return Err(limit(format!(
            "a one-by-one forward creates at most {copies} messages \
             (messages × targets); merge them instead"
        )));
    }
    if f.seqs.iter().collect::<HashSet<_>>().len() != f.seqs.len() {
        return Err(invalid("`seqs` names a message twice"));
    }
    if f.to.iter().collect::<HashSet<_>>().len() != f.to.len() {
        return Err(invalid("`to` names a conversation twice"));
    }
    if let Some(title) = &f.title {
        if title.trim().is_empty() {
            return Err(invalid("`title` must not be empty"));
        }
        check_len("title", title, MAX_HISTORY_TITLE)?;
    }
    Ok(())
}

/// The messages to forward, in the request's order: each must be stored in
/// `from`, readable by me (member, not hidden from me), not recalled and not a
/// system notice; else `BadForward`. Their contents' JSON together is at most
/// `max_bytes` (`max_history_bytes`), merged or not: counted as they are read,
/// so a forward naming 100 chat histories of 256 KiB stops at the second, and a
/// one-by-one forward cannot copy 5 of them to 10 targets (12.5 MiB stored
/// from one request); else `ForwardLimit`.
async fn originals(
    s: &Shared,
    me: &UserId,
    f: &Forward,
    max_bytes: usize,
) -> ServiceResult<Vec<Message>> {
    let mut left = max_bytes;
    let mut out = Vec::with_capacity(f.seqs.len());
    for &seq in &f.seqs {
        let found = match s.store.pull(me, &f.from, seq, seq, 1).await {
            Ok(found) => found,
            Err(e) => {
                let e = WireError::from(e);
                if e.code == ErrorCode::Internal || e.code == ErrorCode::Unavailable {
                    return Err(e);
                }
                return Err(WireError::new(
                    ErrorCode::BadForward,
                    format!("you cannot read {}: {}", f.from, e.message),
                ));
            }
        };
        let Some(m) = found.into_iter().find(|m| m.seq == seq) else {
            return Err(bad(seq, &f.from));
        };
        if matches!(m.content, Content::Recalled { .. } | Content::System { .. }) {
            return Err(bad(seq, &f.from));
        }
        match json_len_within(&m.content, left) {
            Some(n) => left -= n,
            None => {
                return Err(limit(format!(
                    "the messages a forward copies hold at most {max_bytes} bytes together (their JSON); \
                     these are more: forward fewer or shorter messages"
                )))
            }
        }
        out.push(m);
    }
    Ok(out)
}

/// Whether `v`'s JSON is longer than `max` bytes; counted as it is written, and
/// stopped at `max` (nothing is kept).
fn json_over(v: &Content, max: usize) -> bool {
    json_len_within(v, max).is_none()
}

/// The length of `v`'s JSON if it is at most `max` bytes (counted as it is
/// written, stopped past `max`; nothing is kept).
fn json_len_within(v: &Content, max: usize) -> Option<usize> {
    struct Budget(usize);
    impl std::io::Write for Budget {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(b.len())
                .ok_or(std::io::ErrorKind::FileTooLarge)?;
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut left = Budget(max);
    serde_json::to_writer(&mut left, v).ok()?;
    Some(max - left.0)
}

/// What each target receives: the copies, or one chat history.
fn contents(
    f: &Forward,
    originals: Vec<Message>,
    caps: &ForwardSettings,
) -> ServiceResult<Vec<Content>> {
    if !f.merged {
        return Ok(originals.into_iter().map(|m| m.content).collect());
    }
    let items = originals
        .into_iter()
        .map(|m| HistoryItem {
            sender: m.sender,
            sent_at: m.sent_at,
            content: m.content,
        })
        .collect();
    let history = Content::ChatHistory {
        title: f.title.clone().unwrap_or_else(|| DEFAULT_TITLE.into()),
        items,
    };
    let max_depth = caps.max_depth;
    if history_depth(&history) > max_depth as usize {
        return Err(limit(format!(
            "chat histories nest at most {max_depth} deep"
        )));
    }
    // Each history holds copies of what it forwards (nested histories whole), so
    // its size, not only its depth, is capped: else histories of histories grow
    // a hundredfold per level.
    let max = caps.max_history_bytes as usize;
    if json_over(&history, max) {
        return Err(limit(format!(
            "a chat history is at most {max} bytes (its JSON); this one would be more: forward fewer or shorter messages"
        )));
    }
    Ok(vec![history])
}

/// Sends `contents` to `conv` as the messages `<client_id>.<t>.<i>`; stops
/// at the first refusal (a retry resumes: what was stored comes back as a
/// duplicate).
async fn send_to(
    s: &Shared,
    me: &UserId,
    (t, conv): (usize, &ConversationId),
    f: &Forward,
    contents: &[Content],
    except: Option<ConnId>,
) -> ServiceResult<ForwardResult> {
    let mut result = ForwardResult {
        conv: conv.clone(),
        seqs: Vec::new(),
        duplicate: false,
        error: None,
    };
    for (i, content) in contents.iter().enumerate() {
        let client_id = ClientMsgId::new(format!("{}.{t}.{i}", f.client_id))
            .map_err(|e| invalid(e.to_string()))?;
        let msg = Outgoing {
            sender: me.clone(),
            conv: conv.clone(),
            client_id,
            content: content.clone(),
            ext: None,
            reply_to: None,
            mentions: None,
        };
        let sent = match messages::send_validated(s, msg, None, except).await {
            Ok(pending) => pending.await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(out) => {
                result.seqs.push(out.message.seq);
                result.duplicate |= out.duplicate;
            }
            Err(e) if e.code == ErrorCode::Internal || e.code == ErrorCode::Unavailable => {
                return Err(e)
            }
            Err(e) => {
                result.error = Some(e);
                break;
            }
        }
    }
    Ok(result)
}

/// Forwards; one result per target, in the request's order. A target that
/// refuses (not a member, blocked, muted, …) does not stop the others.
pub async fn forward(
    s: &Shared,
    me: &UserId,
    f: Forward,
    except: Option<ConnId>,
) -> ServiceResult<Vec<ForwardResult>> {
    let caps = s.config.forward;
    check(&f, &caps)?;
    let originals = originals(s, me, &f, caps.max_history_bytes as usize).await?;
    let contents = contents(&f, originals, &caps)?;
    let mut results = Vec::with_capacity(f.to.len());
    for (t, conv) in f.to.iter().enumerate() {
        results.push(send_to(s, me, (t, conv), &f, &contents, except).await?);
    }
    Ok(results)
}
