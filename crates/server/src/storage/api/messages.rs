//! Messages, conversations, read state and recalls.

use std::future::Future;
use std::pin::Pin;

use async_trait::async_trait;
use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, ConversationInfo, EditEntry, Message, MessageReactions,
    Reaction, RecallEntry, Seq, UserId,
};

use crate::storage::SendOutcome;
use crate::storage::{ConnId, StoreResult};

/// A message to store, already validated by the service.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who sends it (the authenticated user, or the admin API's `from`).
    pub sender: UserId,
    /// Where to.
    pub conv: ConversationId,
    /// Dedup key together with the sender.
    pub client_id: ClientMsgId,
    /// What it says.
    pub content: Content,
    /// Optional application JSON object.
    pub ext: Option<Value>,
    /// The message of the same conversation it replies to: checked in the
    /// send's transaction (it exists and the sender may read it, else `BadReply`).
    pub reply_to: Option<Seq>,
    /// Whom it mentions: checked in the send's transaction (a group message,
    /// members only, `@all` by owner/admins; else `BadMention` /
    /// `MentionAllNotAllowed`).
    pub mentions: Option<tern_proto::Mentions>,
    /// Whether a one-to-one message needs a two-way friendship.
    pub require_friendship: bool,
    /// Store only if the sender's message with this client id is stored
    /// (checked in the same transaction: pipelined sends keep their order).
    pub after: Option<ClientMsgId>,
}

/// An `edit`, already validated by the service.
#[derive(Debug, Clone)]
pub struct TextEdit {
    /// The message.
    pub seq: Seq,
    /// Its new text.
    pub text: String,
    /// Server time.
    pub now: i64,
    /// The edit window in milliseconds; 0: no limit.
    pub window_ms: i64,
}

/// A `react`, already validated by the service.
#[derive(Debug, Clone)]
#[allow(missing_docs)] // fields named by what they hold
pub struct ReactionChange {
    /// The message.
    pub seq: Seq,
    pub emoji: String,
    /// Add (true) or remove.
    pub on: bool,
    /// Server time.
    pub now: i64,
    /// Most distinct emoji per message.
    pub max_distinct: u32,
}

/// One page of a `read_by` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadByPage {
    /// Members who have read the message (all pages).
    pub read_count: u32,
    /// Members who have not (all pages).
    pub unread_count: u32,
    /// This page's readers.
    pub read: Vec<UserId>,
    /// This page's non-readers.
    pub unread: Vec<UserId>,
    /// The cursor of the next page.
    pub next: Option<UserId>,
}

/// Splits a page of `(user, has read)` rows, fetched with one row beyond
/// `limit`, into readers, non-readers and the next cursor.
pub fn split_read_page(rows: Vec<(UserId, bool)>, limit: u32, counts: (u32, u32)) -> ReadByPage {
    let more = rows.len() > limit as usize;
    let page: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = if more {
        page.last().map(|r| r.0.clone())
    } else {
        None
    };
    let (read, unread): (Vec<_>, Vec<_>) = page.into_iter().partition(|r| r.1);
    ReadByPage {
        read_count: counts.0,
        unread_count: counts.1,
        read: read.into_iter().map(|r| r.0).collect(),
        unread: unread.into_iter().map(|r| r.0).collect(),
        next,
    }
}

/// Groups `(emoji, user)` rows, in reaction order, into per-emoji counts.
pub fn group_reactions(rows: impl IntoIterator<Item = (String, UserId)>) -> Vec<Reaction> {
    let mut out: Vec<Reaction> = Vec::new();
    for (emoji, user) in rows {
        match out.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => {
                r.users.push(user);
                r.count += 1;
            }
            None => out.push(Reaction {
                emoji,
                count: 1,
                users: vec![user],
            }),
        }
    }
    out
}

/// A queued send: resolves once committed (or refused).
pub type PendingSend = Pin<Box<dyn Future<Output = StoreResult<SendOutcome>> + Send>>;

/// Messages, conversations, read state and recalls.
#[async_trait]
pub trait Messages: Send + Sync {
    /// Queues a message and returns as soon as its place in the commit order
    /// is fixed (sends queued in order commit in order). Stored with the next
    /// gap-free seq of its conversation, or found again by (sender, client id)
    /// (`duplicate`); after the commit it goes to every member's devices
    /// except the connection `except`.
    async fn send(
        &self,
        msg: NewMessage,
        now: i64,
        except: Option<ConnId>,
    ) -> StoreResult<PendingSend>;
    /// My conversations, most recent first, with read state and last message.
    async fn conversations(&self, user: &UserId) -> StoreResult<Vec<ConversationInfo>>;
    /// Messages `from..=to` of a conversation I may read (not before I could
    /// see it), oldest first, at most `limit`.
    async fn pull(
        &self,
        user: &UserId,
        conv: &ConversationId,
        from: Seq,
        to: Seq,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    /// Messages before `before` (exclusive) of a conversation I may read,
    /// newest first, at most `limit`.
    async fn history(
        &self,
        user: &UserId,
        conv: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> StoreResult<Vec<Message>>;
    /// A page of the conversation's recall log after `since`, and its latest version.
    async fn recalls(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<RecallEntry>)>;
    /// Moves my read seq forward; the peer and my devices get `read`.
    async fn mark_read(&self, user: &UserId, conv: &ConversationId, seq: Seq) -> StoreResult<()>;
    /// Recalls a message (own within `window_ms`, or any as a group manager),
    /// leaving a tombstone; members get `recalled`.
    async fn recall(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        now: i64,
        window_ms: i64,
    ) -> StoreResult<()>;
    /// Replaces the text of `user`'s own text message at `seq` (sent at most
    /// `window_ms` ago; 0: any time) under the same rules as a send (member,
    /// not muted, not blocked by the peer); members get `edited`. Returns the
    /// message's `edited_at` (unchanged when the text already was `text`).
    async fn edit(&self, user: &UserId, conv: &ConversationId, edit: TextEdit) -> StoreResult<i64>;
    /// A page of the conversation's edit log after `since`, and its latest version.
    async fn edits(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<EditEntry>)>;
    /// Adds or removes `user`'s reaction on a message they can read, under the
    /// send rules (member, not muted, not blocked by the peer), at most
    /// `max_distinct` emoji per message (`TooManyReactions`); members get
    /// `reactions` when it changed. Returns the message's reactions now.
    async fn react(
        &self,
        user: &UserId,
        conv: &ConversationId,
        change: ReactionChange,
    ) -> StoreResult<Vec<Reaction>>;
    /// A page of the conversation's reaction log after `since`, and its latest version.
    async fn reaction_log(
        &self,
        user: &UserId,
        conv: &ConversationId,
        since: u64,
        limit: u32,
    ) -> StoreResult<(u64, Vec<MessageReactions>)>;
    /// Pins or unpins a message `user` can read: in a group its owner and
    /// admins (`NotManager`), in a one-to-one chat either side (not blocked by
    /// the peer); at most `max` pins (`TooManyPins`); members get `pins` when
    /// the list changed. Returns the list now.
    async fn pin(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        on: bool,
        now: i64,
        max: u32,
    ) -> StoreResult<Vec<tern_proto::Pin>>;
    /// Who of group `conv` has read its message `seq` (from each member's read
    /// seq): for its sender and the group's managers (`NotManager`), unless
    /// the group turned it off (`ReadByOff`); members by id after `after`.
    async fn read_by(
        &self,
        user: &UserId,
        conv: &ConversationId,
        seq: Seq,
        after: Option<UserId>,
        limit: u32,
    ) -> StoreResult<ReadByPage>;
    /// The pins of a conversation `user` is a member of.
    async fn pins(&self, user: &UserId, conv: &ConversationId)
        -> StoreResult<Vec<tern_proto::Pin>>;
    /// `Ok` when `me` may show typing to `peer`: a real user who has not
    /// blocked me (`Blocked`), not the system account.
    async fn may_type(&self, me: &UserId, peer: &UserId) -> StoreResult<()>;
    /// Asked before the moderation hook sees a `send`: `Ok(true)` when
    /// `sender`'s message `client_id` is stored already (a resend, which
    /// `send` answers with that copy), `Ok(false)` when `sender` may post to
    /// `conv` now, else the refusal `send` would give (an unknown or system
    /// peer, `Blocked`, `NotFriends` under `require_friendship`, not a
    /// member, `Muted`). A read: `send` checks again in its transaction.
    async fn precheck_send(
        &self,
        sender: &UserId,
        conv: &ConversationId,
        client_id: &ClientMsgId,
        require_friendship: bool,
        now: i64,
    ) -> StoreResult<bool>;
}
