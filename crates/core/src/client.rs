//! The public API of the SDK: a cheap-to-clone [`Client`] handle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tern_proto::{
    ClientMsgId, Content, ConversationId, DeviceId, FileId, Friend, FriendApplication, Profile,
    Request, Response, Seq, UserId,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::{open_session, supervise, Auth, Cmd, Connected, Shared, Status};
use crate::state::Outbox;
use crate::store::{messages as msgs, now_ms, relations as rel, Db};
use crate::transport::Conn;
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
    /// The configuration from [`Client::new`].
    config: ClientConfig,
    /// This installation's id (configured or generated and kept in `data_dir`).
    device: DeviceId,
    /// The event stream.
    events: broadcast::Sender<Event>,
    /// Login and connection status.
    status: Arc<Status>,
    /// The current session, while logged in.
    session: Mutex<Option<Arc<Shared>>>,
    /// Serialises login and logout.
    login_lock: tokio::sync::Mutex<()>,
}

impl Drop for Inner {
    /// The last handle is gone: end the session's tasks and connection.
    fn drop(&mut self) {
        if let Ok(mut session) = self.session.lock() {
            if let Some(sh) = session.take() {
                sh.stop();
            }
        }
    }
}

fn device_id(config: &ClientConfig) -> Result<DeviceId> {
    if let Some(d) = &config.device {
        return Ok(d.clone());
    }
    let path = config.data_dir.join("device_id");
    if let Ok(s) = std::fs::read_to_string(&path) {
        if let Ok(d) = DeviceId::new(s.trim()) {
            return Ok(d);
        }
    }
    let d = DeviceId::new(format!("dev-{}", uuid::Uuid::new_v4().simple()))?;
    std::fs::write(&path, d.as_str())?;
    Ok(d)
}

fn new_client_id() -> ClientMsgId {
    ClientMsgId::new(uuid::Uuid::new_v4().simple().to_string()).expect("uuid is a valid id")
}

impl Client {
    /// Creates a client (creates `data_dir`; no network I/O). Log in next.
    pub fn new(config: ClientConfig) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let device = device_id(&config)?;
        let (events, _) = broadcast::channel(8192);
        Ok(Self {
            inner: Arc::new(Inner {
                status: Arc::new(Status::new(events.clone())),
                config,
                device,
                events,
                session: Mutex::new(None),
                login_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The configuration this client was created with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// This installation's device id.
    pub fn device(&self) -> &DeviceId {
        &self.inner.device
    }

    /// A receiver of every [`Event`] from now on. A receiver that falls more than
    /// 8192 events behind gets `Lagged` and should re-read state (e.g. `conversations`).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Current login status.
    pub fn login_status(&self) -> LoginStatus {
        self.inner.status.login()
    }

    /// Current connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.inner.status.conn()
    }

    fn shared(&self) -> Result<Arc<Shared>> {
        self.inner
            .session
            .lock()
            .expect("session lock")
            .clone()
            .filter(|s| !*s.stopped.borrow())
            .ok_or(Error::NotLoggedIn)
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<UserId> {
        self.shared().ok().map(|s| s.me.clone())
    }

    /// The current session token (for the app to keep, e.g. in the OS keyring).
    pub fn token(&self) -> Option<String> {
        self.session().map(|s| s.token)
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        let sh = self.shared().ok()?;
        let (token, expires_at) = sh.token.lock().expect("token lock").clone();
        Some(Session {
            user: sh.me.clone(),
            token,
            expires_at,
        })
    }

    // ---- accounts and sessions ----

    /// Creates an account on the server (does not log in).
    pub async fn register(&self, user: &UserId, password: &str) -> Result<()> {
        let cfg = &self.inner.config;
        let (conn, _pushes) =
            Conn::connect(&cfg.server_url, cfg.connection.request_timeout()).await?;
        conn.request(Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await?;
        let r = conn
            .request(Request::Register {
                user: user.clone(),
                password: password.to_string(),
            })
            .await;
        conn.close();
        r.map(|_| ())
    }

    /// Logs in with a password: connects, authenticates, opens the account's cache,
    /// then keeps the connection (reconnecting as needed) and resyncs in the background.
    /// Fails with [`Error::Server`] (e.g. `BadCredentials`) or [`Error::Offline`].
    pub async fn login(&self, user: &UserId, password: &str) -> Result<Session> {
        let _g = self.inner.login_lock.lock().await;
        if self.shared().is_ok() {
            return Err(Error::AlreadyLoggedIn);
        }
        let st = &self.inner.status;
        st.set_login(LoginStatus::LoggingIn);
        self.connecting();
        let auth = Auth::Password(user, password);
        match open_session(&self.inner.config, &self.inner.device, auth).await {
            Ok(c) => {
                self.start(user, c.token.clone(), c.expires_at, Some(c))
                    .await
            }
            Err(e) => {
                st.set_login(LoginStatus::LoginFailed);
                st.set_conn(ConnectionState::Offline);
                Err(e)
            }
        }
    }

    /// Logs in with a token from an earlier session. A refused token fails the call
    /// (`TokenExpired` / `TokenInvalid`); an unreachable server does not: the session
    /// starts offline on the local cache and keeps reconnecting.
    pub async fn login_with_token(&self, user: &UserId, token: &str) -> Result<Session> {
        let _g = self.inner.login_lock.lock().await;
        if self.shared().is_ok() {
            return Err(Error::AlreadyLoggedIn);
        }
        let st = &self.inner.status;
        st.set_login(LoginStatus::LoggingIn);
        self.connecting();
        match open_session(&self.inner.config, &self.inner.device, Auth::Token(token)).await {
            Ok(c) => {
                self.start(user, c.token.clone(), c.expires_at, Some(c))
                    .await
            }
            Err(e) if e.is_transient() || matches!(e, Error::Protocol(_)) => {
                self.start(user, token.to_string(), 0, None).await
            }
            Err(e) => {
                st.set_login(LoginStatus::LoginFailed);
                st.set_conn(ConnectionState::Offline);
                Err(e)
            }
        }
    }

    /// Announces the first connection attempt of a login.
    fn connecting(&self) {
        self.inner.status.set_conn(ConnectionState::Connecting);
        let _ = self.inner.events.send(Event::Connecting { attempt: 1 });
    }

    async fn start(
        &self,
        user: &UserId,
        token: String,
        expires_at: i64,
        first: Option<Connected>,
    ) -> Result<Session> {
        let cfg = &self.inner.config;
        let started = async {
            let db = Db::open(&cfg.data_dir.join(user.as_str()).join("tern.db")).await?;
            let (me, me2) = (user.clone(), user.clone());
            let (entries, convs) = db
                .call(move |c| Ok((msgs::load_outbox(c)?, msgs::conversations(c, &me2)?)))
                .await?;
            Ok::<_, Error>((db, me, entries, convs))
        }
        .await;
        let (db, me, entries, convs) = match started {
            Ok(x) => x,
            Err(e) => {
                self.inner.status.set_login(LoginStatus::LoginFailed);
                return Err(e);
            }
        };
        let mut outbox = Outbox::new(cfg.retry);
        for e in entries {
            outbox.push(e);
        }
        let unread = convs.iter().map(|c| (c.conv.clone(), c.unread)).collect();
        let (cmds, cmd_rx) = mpsc::unbounded_channel();
        let sh = Arc::new(Shared {
            config: cfg.clone(),
            me,
            device: self.inner.device.clone(),
            db,
            events: self.inner.events.clone(),
            status: self.inner.status.clone(),
            token: Mutex::new((token.clone(), expires_at)),
            conn: watch::channel(None).0,
            limits: Mutex::new(None),
            outbox: Mutex::new(outbox),
            outbox_wake: Notify::new(),
            waiters: Mutex::new(HashMap::new()),
            changes_lock: tokio::sync::Mutex::new(()),
            unread: Mutex::new((unread, None)),
            cmds,
            stopped: watch::channel(false).0,
        });
        *self.inner.session.lock().expect("session lock") = Some(sh.clone());
        self.inner.status.set_login(LoginStatus::LoggedIn);
        tokio::spawn(supervise(sh.clone(), cmd_rx, first));
        tokio::spawn(crate::outbox::run(sh.clone()));
        Ok(Session {
            user: user.clone(),
            token,
            expires_at,
        })
    }

    /// Revokes the token on the server (when reachable), stops the connection and
    /// closes the cache. Queued messages stay in the outbox for the next login.
    pub async fn logout(&self) -> Result<()> {
        let _g = self.inner.login_lock.lock().await;
        let sh = self.inner.session.lock().expect("session lock").take();
        if let Some(sh) = sh {
            if let Ok(conn) = sh.conn() {
                let _ = conn.request(Request::Logout).await;
            }
            sh.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
        Ok(())
    }

    /// Stops the connection and closes the cache without revoking the token
    /// (app shutdown). A later `login_with_token` resumes.
    pub async fn close(&self) {
        let _g = self.inner.login_lock.lock().await;
        if let Some(sh) = self.inner.session.lock().expect("session lock").take() {
            sh.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
    }

    /// Forces a resync now (call on wake from sleep or a network change): reconnects
    /// at once if disconnected, then syncs relations and messages. Returns when done.
    pub async fn resync(&self) -> Result<()> {
        let sh = self.shared()?;
        let (tx, rx) = oneshot::channel();
        sh.cmds.send(Cmd::Resync(tx)).map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Sends a request, then applies the change log it caused before returning, so the
    /// cache (and the events) reflect the change when the call returns.
    async fn change(&self, req: Request) -> Result<Response> {
        let sh = self.shared()?;
        let conn = sh.conn()?;
        let res = conn.request(req).await?;
        crate::sync::sync_relations(&sh, &conn, None).await?;
        Ok(res)
    }

    async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection, &UserId) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let sh = self.shared()?;
        let me = sh.me.clone();
        sh.db.call(move |c| f(c, &me)).await
    }

    // ---- profile and users ----

    /// My profile from the cache.
    pub async fn my_profile(&self) -> Result<Profile> {
        self.read(|c, me| {
            Ok(rel::my_profile(c)?.unwrap_or_else(|| Profile {
                user: me.clone(),
                nickname: String::new(),
                avatar: None,
                signature: String::new(),
            }))
        })
        .await
    }

    /// Changes my profile on the server; returns it as stored.
    pub async fn set_profile(&self, update: ProfileUpdate) -> Result<Profile> {
        let res = self
            .change(Request::SetProfile {
                nickname: update.nickname,
                avatar: update.avatar,
                signature: update.signature,
            })
            .await?;
        match res {
            Response::Profile { profile } => {
                let p = profile.clone();
                self.read(move |c, _| rel::set_my_profile(c, &p)).await?;
                Ok(profile)
            }
            other => Err(unexpected(other)),
        }
    }

    /// Profiles of the given users, from the server (unknown ids are left out).
    pub async fn get_profiles(&self, users: &[UserId]) -> Result<Vec<Profile>> {
        let sh = self.shared()?;
        match sh
            .request(Request::GetProfiles {
                users: users.to_vec(),
            })
            .await?
        {
            Response::Profiles { profiles } => {
                let p = profiles.clone();
                sh.db
                    .call(move |c| p.iter().try_for_each(|p| rel::upsert_user(c, p)))
                    .await?;
                Ok(profiles)
            }
            other => Err(unexpected(other)),
        }
    }

    /// Users whose id or nickname contains `query` (server-side search).
    pub async fn search_users(&self, query: &str) -> Result<Vec<Profile>> {
        let sh = self.shared()?;
        match sh
            .request(Request::SearchUsers {
                query: query.to_string(),
            })
            .await?
        {
            Response::Profiles { profiles } => Ok(profiles),
            other => Err(unexpected(other)),
        }
    }

    // ---- friends ----

    /// Sends a friend application with a greeting. Refused with `Blocked` if `to` blocked me.
    pub async fn apply_friend(&self, to: &UserId, greeting: &str) -> Result<()> {
        self.change(Request::ApplyFriend {
            to: to.clone(),
            greeting: greeting.to_string(),
        })
        .await
        .map(drop)
    }

    /// Accepts the pending application from `from`.
    pub async fn accept_friend(&self, from: &UserId) -> Result<()> {
        self.change(Request::AcceptFriend { from: from.clone() })
            .await
            .map(drop)
    }

    /// Refuses the pending application from `from`.
    pub async fn refuse_friend(&self, from: &UserId) -> Result<()> {
        self.change(Request::RefuseFriend { from: from.clone() })
            .await
            .map(drop)
    }

    /// Applications others sent me, newest first (cache).
    pub async fn received_applications(&self) -> Result<Vec<FriendApplication>> {
        self.read(|c, me| rel::applications(c, me, true)).await
    }

    /// Applications I sent, newest first (cache).
    pub async fn sent_applications(&self) -> Result<Vec<FriendApplication>> {
        self.read(|c, me| rel::applications(c, me, false)).await
    }

    /// Removes `user` from my friend list (one-way).
    pub async fn delete_friend(&self, user: &UserId) -> Result<()> {
        self.change(Request::DeleteFriend { user: user.clone() })
            .await
            .map(drop)
    }

    /// Sets my private remark for a friend ("" clears it).
    pub async fn set_remark(&self, user: &UserId, remark: &str) -> Result<()> {
        self.change(Request::SetRemark {
            user: user.clone(),
            remark: remark.to_string(),
        })
        .await
        .map(drop)
    }

    /// My friends, ordered by user id (cache).
    pub async fn friends(&self) -> Result<Vec<Friend>> {
        self.read(|c, _| rel::friends(c)).await
    }

    /// Those of `users` that are my friends, with their info (cache).
    pub async fn friends_info(&self, users: &[UserId]) -> Result<Vec<Friend>> {
        let users = users.to_vec();
        self.read(move |c, _| rel::friends_in(c, &users)).await
    }

    /// Which of `users` are my friends (asks the server).
    pub async fn check_friends(&self, users: &[UserId]) -> Result<Vec<UserId>> {
        let sh = self.shared()?;
        match sh
            .request(Request::CheckFriends {
                users: users.to_vec(),
            })
            .await?
        {
            Response::FriendCheck { friends } => Ok(friends),
            other => Err(unexpected(other)),
        }
    }

    /// My friends whose id, nickname or remark contains `query` (cache).
    pub async fn search_friends(&self, query: &str) -> Result<Vec<Friend>> {
        let q = query.to_string();
        self.read(move |c, _| rel::search_friends(c, &q)).await
    }

    // ---- blacklist ----

    /// Blocks `user`: they can no longer message me or ask to be friends.
    pub async fn block(&self, user: &UserId) -> Result<()> {
        self.change(Request::Block { user: user.clone() })
            .await
            .map(drop)
    }

    /// Unblocks `user`.
    pub async fn unblock(&self, user: &UserId) -> Result<()> {
        self.change(Request::Unblock { user: user.clone() })
            .await
            .map(drop)
    }

    /// Everyone I blocked (cache).
    pub async fn blocked(&self) -> Result<Vec<UserId>> {
        self.read(|c, _| rel::blacklist(c)).await
    }

    // ---- conversations ----

    /// The direct conversation between me and `peer`.
    pub fn direct_conversation(&self, peer: &UserId) -> Result<ConversationId> {
        let me = self.shared()?.me.clone();
        if &me == peer {
            return Err(Error::InvalidArgument(
                "a chat with yourself is not supported".into(),
            ));
        }
        Ok(ConversationId::direct(&me, peer))
    }

    /// My conversations, most recent activity first, with peer, last message, unread and draft.
    pub async fn conversations(&self) -> Result<Vec<Conversation>> {
        self.read(msgs::conversations).await
    }

    /// One conversation's summary (`None` if it has no local state yet).
    pub async fn conversation(&self, conv: &ConversationId) -> Result<Option<Conversation>> {
        let conv = conv.clone();
        self.read(move |c, me| msgs::conversation(c, me, &conv))
            .await
    }

    /// Saves the composer's unsent text for a conversation ("" clears it).
    pub async fn set_draft(&self, conv: &ConversationId, draft: &str) -> Result<()> {
        let sh = self.shared()?;
        let (key, d) = (conv.clone(), draft.to_string());
        sh.db
            .call(move |c| msgs::set_draft(c, &key, &d, now_ms()))
            .await?;
        sh.conv_changed(conv).await
    }

    /// Sum of all unread counts.
    pub async fn total_unread(&self) -> Result<u64> {
        Ok(self.conversations().await?.iter().map(|c| c.unread).sum())
    }

    // ---- messages ----

    /// Sends a text message; see [`Client::send`].
    pub async fn send_text(&self, conv: &ConversationId, text: &str) -> Result<LocalMessage> {
        let content = Content::Text {
            text: text.to_string(),
        };
        self.send(conv, content, None).await
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
        let (sh, msg) = self.queue(conv, content, ext).await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Queues a message like [`Client::send`] but returns at once (`state` = `sending`);
    /// events tell the outcome. Messages are sent in the order they were queued.
    pub async fn enqueue(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
    ) -> Result<LocalMessage> {
        let (sh, msg) = self.queue(conv, content, ext).await?;
        sh.outbox_wake.notify_one();
        Ok(msg)
    }

    async fn queue(
        &self,
        conv: &ConversationId,
        content: Content,
        ext: Option<Value>,
    ) -> Result<(Arc<Shared>, LocalMessage)> {
        let sh = self.shared()?;
        if let ConversationId::Direct(..) = conv {
            if conv.peer_of(&sh.me).is_none() {
                return Err(Error::InvalidArgument(format!(
                    "{conv} is not my conversation"
                )));
            }
        }
        if ext.as_ref().is_some_and(|e| !e.is_object()) {
            return Err(Error::InvalidArgument("ext must be a JSON object".into()));
        }
        let id = new_client_id();
        let (me, key, cid) = (sh.me.clone(), conv.clone(), id.clone());
        let now = now_ms();
        let msg = sh
            .db
            .call(move |c| msgs::queue_message(c, &me, &key, &cid, &content, ext.as_ref(), now))
            .await?;
        sh.outbox.lock().expect("outbox lock").queue(id, now);
        sh.emit(Event::NewMessage {
            message: msg.clone(),
            live: true,
        });
        sh.conv_changed(conv).await?;
        Ok((sh, msg))
    }

    async fn await_first_outcome(
        &self,
        sh: &Arc<Shared>,
        msg: LocalMessage,
    ) -> Result<LocalMessage> {
        if sh.conn().is_err() {
            sh.outbox_wake.notify_one();
            return Ok(msg);
        }
        let (tx, rx) = oneshot::channel();
        sh.waiters
            .lock()
            .expect("waiters lock")
            .insert(msg.client_id.clone(), tx);
        sh.outbox_wake.notify_one();
        let wait = sh.config.connection.request_timeout() + Duration::from_secs(1);
        let outcome = tokio::time::timeout(wait, rx).await;
        sh.waiters
            .lock()
            .expect("waiters lock")
            .remove(&msg.client_id);
        match outcome {
            Ok(Ok(r)) => r,
            _ => Ok(self.message(&msg.client_id).await?.unwrap_or(msg)),
        }
    }

    /// Retries a failed (or still pending) message with the same client id and a fresh budget.
    pub async fn resend(&self, client_id: &ClientMsgId) -> Result<LocalMessage> {
        let sh = self.shared()?;
        let (me, id) = (sh.me.clone(), client_id.clone());
        let now = now_ms();
        let (requeued, msg) = sh
            .db
            .call(move |c| {
                let r = msgs::mark_sending(c, &me, &id, now)?;
                Ok((r, msgs::message_by_client_id(c, &me, &me, &id)?))
            })
            .await?;
        let msg = msg.ok_or_else(|| Error::NotFound(format!("message {client_id}")))?;
        if !requeued {
            return Ok(msg); // already acknowledged
        }
        sh.outbox
            .lock()
            .expect("outbox lock")
            .resend(client_id, now);
        sh.conv_changed(&msg.conv).await?;
        self.await_first_outcome(&sh, msg).await
    }

    /// Messages not yet acknowledged (sending or failed), oldest first.
    pub async fn outbox(&self) -> Result<Vec<LocalMessage>> {
        self.read(msgs::outbox_messages).await
    }

    /// Waits until no message is waiting to be sent (all acknowledged or failed), or
    /// `timeout` passes (returns false then). For scripts that send and exit.
    pub async fn flush(&self, timeout: Duration) -> Result<bool> {
        let sh = self.shared()?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if sh.outbox.lock().expect("outbox lock").live() == 0 {
                return Ok(true);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(false);
            }
            sh.outbox_wake.notify_one();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
        let sh = self.shared()?;
        let limit = limit.clamp(1, 1000) as u64;
        let key = conv.clone();
        let (max, _, _, _) = sh.db.call(move |c| msgs::conv_seqs(c, &key)).await?;
        let upper = before.map(|b| b.0).unwrap_or(max + 1).min(max + 1);
        let lower = upper.saturating_sub(limit).max(1);
        let db = sh.db.clone();
        let range = || {
            let (me, key) = (sh.me.clone(), conv.clone());
            db.call(move |c| msgs::messages_range(c, &me, &key, lower, upper))
        };
        let mut page = range().await?;
        if (page.len() as u64) < upper - lower {
            if let Ok(conn) = sh.conn() {
                let req = Request::History {
                    conv: conv.clone(),
                    before: Some(Seq(upper)),
                    limit: Some((upper - lower) as u32),
                };
                if let Response::Messages { messages } = conn.request(req).await? {
                    crate::sync::store_batch(&sh, messages, None).await?;
                    page = range().await?;
                }
            }
        }
        if before.is_none() {
            let (me, key) = (sh.me.clone(), conv.clone());
            page.extend(
                sh.db
                    .call(move |c| msgs::pending_messages(c, &me, &key))
                    .await?,
            );
        }
        Ok(page)
    }

    /// One of my messages by client id (cache).
    pub async fn message(&self, client_id: &ClientMsgId) -> Result<Option<LocalMessage>> {
        let id = client_id.clone();
        self.read(move |c, me| msgs::message_by_client_id(c, me, me, &id))
            .await
    }

    /// Marks the conversation read up to its newest message (here and on the server;
    /// the peer gets a read receipt).
    pub async fn mark_read(&self, conv: &ConversationId) -> Result<()> {
        let sh = self.shared()?;
        let key = conv.clone();
        let (max, read, _, _) = sh.db.call(move |c| msgs::conv_seqs(c, &key)).await?;
        if max == 0 || read >= max {
            return Ok(());
        }
        let key = conv.clone();
        sh.db
            .call(move |c| msgs::set_read(c, &key, Seq(max), false))
            .await?;
        sh.conv_changed(conv).await?;
        sh.request(Request::MarkRead {
            conv: conv.clone(),
            seq: Seq(max),
        })
        .await
        .map(drop)
    }

    /// Recalls my message at `seq` (within the server's recall window).
    pub async fn recall(&self, conv: &ConversationId, seq: Seq) -> Result<()> {
        let sh = self.shared()?;
        sh.request(Request::Recall {
            conv: conv.clone(),
            seq,
        })
        .await?;
        let (me, key, at) = (sh.me.clone(), conv.clone(), now_ms());
        let by = me.clone();
        if sh
            .db
            .call(move |c| msgs::recall(c, &me, &key, seq, &by, at))
            .await?
            .is_some()
        {
            sh.emit(Event::Recalled {
                conv: conv.clone(),
                seq,
                by: sh.me.clone(),
                at,
            });
            sh.conv_changed(conv).await?;
        }
        Ok(())
    }

    /// Tells the peer I am typing (ephemeral).
    pub async fn typing(&self, conv: &ConversationId) -> Result<()> {
        self.shared()?
            .request(Request::Typing { conv: conv.clone() })
            .await
            .map(drop)
    }

    /// Full-text search over the cached messages (Chinese substrings and English words),
    /// newest first, `page_size` per page, pages numbered from 0.
    pub async fn search(&self, query: &str, page: u32, page_size: u32) -> Result<SearchPage> {
        let size = page_size.clamp(1, 500);
        let q = query.to_string();
        let mut messages = self
            .read(move |c, me| msgs::search(c, me, &q, page.saturating_mul(size), size + 1))
            .await?;
        let has_more = messages.len() > size as usize;
        messages.truncate(size as usize);
        Ok(SearchPage {
            messages,
            page,
            has_more,
        })
    }
}

fn unexpected(res: Response) -> Error {
    Error::Protocol(format!("unexpected answer: {res:?}"))
}
