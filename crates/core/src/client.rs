//! The public API of the SDK: a cheap-to-clone [`Client`] handle.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, FileId, Friend, FriendApplication, Profile, Seq, UserId,
};
use tokio::sync::broadcast;

use crate::config::ClientConfig;
use crate::error::Result;
use crate::event::Event;
use crate::types::{ConnectionState, Conversation, LocalMessage, LoginStatus, SearchPage, Session};

/// Fields of my profile to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileUpdate {
    /// New display name.
    pub nickname: Option<String>,
    /// New avatar (an uploaded file).
    pub avatar: Option<FileId>,
    /// New signature.
    pub signature: Option<String>,
}

/// A Tern client: one account's session, local cache and event stream.
///
/// Cloning is cheap (an `Arc`); all clones share the same session. Calls need a
/// tokio runtime. Reads of lists (friends, conversations, messages, search) come from
/// the local cache and work offline; writes go to the server.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: ClientConfig,
    events: broadcast::Sender<Event>,
}

impl Client {
    /// Creates a client (no I/O besides creating `data_dir`); log in next.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let (events, _) = broadcast::channel(8192);
        let _ = &config;
        let _ = Inner {
            config: config.clone(),
            events: events.clone(),
        };
        todo!()
    }

    /// The configuration this client was created with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// A receiver of every [`Event`] from now on. A receiver that falls more than
    /// 8192 events behind gets `Lagged` and should re-read state (e.g. `conversations`).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Current login status.
    pub fn login_status(&self) -> LoginStatus {
        todo!()
    }

    /// Current connection state.
    pub fn connection_state(&self) -> ConnectionState {
        todo!()
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<UserId> {
        todo!()
    }

    /// The current session token (for the app to keep, e.g. in the OS keyring).
    pub fn token(&self) -> Option<String> {
        todo!()
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        todo!()
    }

    // ---- accounts and sessions ----

    /// Creates an account on the server (does not log in).
    pub async fn register(&self, user: &UserId, password: &str) -> Result<()> {
        let _ = (user, password);
        todo!()
    }

    /// Logs in with a password: opens the account's cache, connects, authenticates,
    /// then keeps the connection (reconnecting as needed) and resyncs in the background.
    /// Fails with [`crate::Error::Server`] (e.g. `BadCredentials`) or `Offline`.
    pub async fn login(&self, user: &UserId, password: &str) -> Result<Session> {
        let _ = (user, password);
        todo!()
    }

    /// Logs in with a token from an earlier session. A refused token fails the call
    /// (`TokenExpired` / `TokenInvalid`); an unreachable server does not: the session
    /// starts offline on the local cache and keeps reconnecting.
    pub async fn login_with_token(&self, user: &UserId, token: &str) -> Result<Session> {
        let _ = (user, token);
        todo!()
    }

    /// Revokes the token on the server (when reachable), stops the connection and
    /// closes the cache. Queued messages stay in the outbox for the next login.
    pub async fn logout(&self) -> Result<()> {
        todo!()
    }

    /// Stops the connection and closes the cache without revoking the token
    /// (app shutdown). A later `login_with_token` resumes.
    pub async fn close(&self) {
        todo!()
    }

    /// Forces a resync now (call on wake from sleep or a network change): reconnects
    /// at once if disconnected, then syncs relations and messages. Returns when done.
    pub async fn resync(&self) -> Result<()> {
        todo!()
    }

    // ---- profile and users ----

    /// My profile from the cache.
    pub async fn my_profile(&self) -> Result<Profile> {
        todo!()
    }

    /// Changes my profile on the server; returns it as stored.
    pub async fn set_profile(&self, update: ProfileUpdate) -> Result<Profile> {
        let _ = update;
        todo!()
    }

    /// Profiles of the given users, from the server (unknown ids are left out).
    pub async fn get_profiles(&self, users: &[UserId]) -> Result<Vec<Profile>> {
        let _ = users;
        todo!()
    }

    /// Users whose id or nickname contains `query` (server-side search).
    pub async fn search_users(&self, query: &str) -> Result<Vec<Profile>> {
        let _ = query;
        todo!()
    }

    // ---- friends ----

    /// Sends a friend application with a greeting. Refused with `Blocked` if `to` blocked me.
    pub async fn apply_friend(&self, to: &UserId, greeting: &str) -> Result<()> {
        let _ = (to, greeting);
        todo!()
    }

    /// Accepts the pending application from `from`.
    pub async fn accept_friend(&self, from: &UserId) -> Result<()> {
        let _ = from;
        todo!()
    }

    /// Refuses the pending application from `from`.
    pub async fn refuse_friend(&self, from: &UserId) -> Result<()> {
        let _ = from;
        todo!()
    }

    /// Applications others sent me, newest first (cache).
    pub async fn received_applications(&self) -> Result<Vec<FriendApplication>> {
        todo!()
    }

    /// Applications I sent, newest first (cache).
    pub async fn sent_applications(&self) -> Result<Vec<FriendApplication>> {
        todo!()
    }

    /// Removes `user` from my friend list (one-way).
    pub async fn delete_friend(&self, user: &UserId) -> Result<()> {
        let _ = user;
        todo!()
    }

    /// Sets my private remark for a friend ("" clears it).
    pub async fn set_remark(&self, user: &UserId, remark: &str) -> Result<()> {
        let _ = (user, remark);
        todo!()
    }

    /// My friends, ordered by user id (cache).
    pub async fn friends(&self) -> Result<Vec<Friend>> {
        todo!()
    }

    /// Those of `users` that are my friends, with their info (cache).
    pub async fn friends_info(&self, users: &[UserId]) -> Result<Vec<Friend>> {
        let _ = users;
        todo!()
    }

    /// Which of `users` are my friends (asks the server).
    pub async fn check_friends(&self, users: &[UserId]) -> Result<Vec<UserId>> {
        let _ = users;
        todo!()
    }

    /// My friends whose id, nickname or remark contains `query` (cache).
    pub async fn search_friends(&self, query: &str) -> Result<Vec<Friend>> {
        let _ = query;
        todo!()
    }

    // ---- blacklist ----

    /// Blocks `user`: they can no longer message me or ask to be friends.
    pub async fn block(&self, user: &UserId) -> Result<()> {
        let _ = user;
        todo!()
    }

    /// Unblocks `user`.
    pub async fn unblock(&self, user: &UserId) -> Result<()> {
        let _ = user;
        todo!()
    }

    /// Everyone I blocked (cache).
    pub async fn blocked(&self) -> Result<Vec<UserId>> {
        todo!()
    }

    // ---- conversations ----

    /// The direct conversation between me and `peer`.
    pub fn direct_conversation(&self, peer: &UserId) -> Result<ConversationId> {
        let _ = peer;
        todo!()
    }

    /// My conversations, most recent activity first, with peer, last message, unread and draft.
    pub async fn conversations(&self) -> Result<Vec<Conversation>> {
        todo!()
    }

    /// One conversation's summary (`None` if it has no local state yet).
    pub async fn conversation(&self, conv: &ConversationId) -> Result<Option<Conversation>> {
        let _ = conv;
        todo!()
    }

    /// Saves the composer's unsent text for a conversation ("" clears it).
    pub async fn set_draft(&self, conv: &ConversationId, draft: &str) -> Result<()> {
        let _ = (conv, draft);
        todo!()
    }

    /// Sum of all unread counts.
    pub async fn total_unread(&self) -> Result<u64> {
        todo!()
    }

    // ---- messages ----

    /// Sends a text message; see [`Client::send`].
    pub async fn send_text(&self, conv: &ConversationId, text: &str) -> Result<LocalMessage> {
        let _ = (conv, text);
        todo!()
    }

    /// Queues a message in the outbox (persisted first, so it survives a crash) and sends it.
    ///
    /// When online, waits for the first answer: returns the acknowledged message
    /// (`state` = `sent`), or fails with the server's refusal (e.g. `Blocked`; the message
    /// is then `failed`). When offline or unanswered, returns it with `state` = `sending`;
    /// it is retried (same client id) until the retry budget is spent, and
    /// [`Event::MessageAcked`] / [`Event::MessageFailed`] tell the outcome.
    pub async fn send(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
    ) -> Result<LocalMessage> {
        let _ = (conv, content, ext);
        todo!()
    }

    /// Retries a failed (or still pending) message with the same client id and a fresh budget.
    pub async fn resend(&self, client_id: &ClientMsgId) -> Result<LocalMessage> {
        let _ = client_id;
        todo!()
    }

    /// Messages not yet acknowledged (sending or failed), oldest first.
    pub async fn outbox(&self) -> Result<Vec<LocalMessage>> {
        todo!()
    }

    /// Waits until the outbox holds no `sending` message, or `timeout` passes
    /// (returns false then). Useful for scripts that send and exit.
    pub async fn flush(&self, timeout: std::time::Duration) -> Result<bool> {
        let _ = timeout;
        todo!()
    }

    /// Up to `limit` messages with seq below `before` (`None` = the newest, including
    /// pending ones), oldest first. Served from the cache; pages the cache lacks are
    /// fetched from the server (when online) and kept.
    pub async fn messages(
        &self,
        conv: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> Result<Vec<LocalMessage>> {
        let _ = (conv, before, limit);
        todo!()
    }

    /// One message by client id (cache).
    pub async fn message(&self, client_id: &ClientMsgId) -> Result<Option<LocalMessage>> {
        let _ = client_id;
        todo!()
    }

    /// Marks the conversation read up to its newest message (here and on the server;
    /// the peer gets a read receipt).
    pub async fn mark_read(&self, conv: &ConversationId) -> Result<()> {
        let _ = conv;
        todo!()
    }

    /// Recalls my message at `seq` (within the server's recall window).
    pub async fn recall(&self, conv: &ConversationId, seq: Seq) -> Result<()> {
        let _ = (conv, seq);
        todo!()
    }

    /// Tells the peer I am typing (ephemeral).
    pub async fn typing(&self, conv: &ConversationId) -> Result<()> {
        let _ = conv;
        todo!()
    }

    /// Full-text search over the cached messages (Chinese substrings and English words),
    /// newest first, `page_size` per page, pages numbered from 0.
    pub async fn search(&self, query: &str, page: u32, page_size: u32) -> Result<SearchPage> {
        let _ = (query, page, page_size);
        todo!()
    }
}
