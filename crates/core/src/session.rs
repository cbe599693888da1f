//! A logged-in session: the state shared by the API, the connection supervisor
//! ([`crate::supervisor`]), sync and the outbox task. This module depends on none
//! of them: they all depend on it.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use tern_proto::{ClientMsgId, Command, ConversationId, DeviceId, Limits, UserId};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::state::Outbox;
use crate::store::{conversations as convs, Db};
use crate::transport::Conn;
use crate::types::{ConnectionState, LocalMessage, LoginStatus};

/// Login and connection status, shared by the [`crate::Client`] and its session;
/// every change is also an [`Event`].
pub(crate) struct Status {
    login: Mutex<LoginStatus>,
    conn: Mutex<ConnectionState>,
    events: broadcast::Sender<Event>,
}

impl Status {
    pub fn new(events: broadcast::Sender<Event>) -> Self {
        Self {
            login: Mutex::new(LoginStatus::LoggedOut),
            conn: Mutex::new(ConnectionState::Offline),
            events,
        }
    }

    pub fn login(&self) -> LoginStatus {
        *self.login.lock()
    }

    pub fn conn(&self) -> ConnectionState {
        *self.conn.lock()
    }

    pub fn set_login(&self, s: LoginStatus) {
        let old = std::mem::replace(&mut *self.login.lock(), s);
        if old != s {
            let _ = self.events.send(Event::LoginStatus { status: s });
        }
    }

    pub fn set_conn(&self, s: ConnectionState) {
        *self.conn.lock() = s;
    }
}

/// Commands to the supervisor.
pub(crate) enum Cmd {
    /// Resync now (reconnecting at once if needed) and report the outcome.
    Resync(oneshot::Sender<Result<()>>),
    /// End the session's connection for good.
    Stop,
}

/// State of one logged-in session, shared by the API, the supervisor and the outbox task.
pub(crate) struct Shared {
    /// The client's configuration.
    pub config: ClientConfig,
    /// Who is logged in.
    pub me: UserId,
    /// This installation's id.
    pub device: DeviceId,
    /// The account's cache.
    pub db: Db,
    /// The event stream.
    pub events: broadcast::Sender<Event>,
    /// Login and connection status.
    pub status: Arc<Status>,
    /// The session token and its expiry (the server may renew it on resume).
    pub token: Mutex<(String, i64)>,
    /// The live connection, when there is one.
    pub conn: watch::Sender<Option<Arc<Conn>>>,
    /// The server's limits from the last handshake.
    pub limits: Mutex<Option<Limits>>,
    /// The server URL of the current (or last) connection: file transfers
    /// go to the same node.
    pub url: Mutex<String>,
    /// Retry bookkeeping of queued messages (mirrored in the `outbox` table).
    pub outbox: Mutex<Outbox>,
    /// Wakes the outbox task.
    pub outbox_wake: Notify,
    /// Sends the outbox may have in flight now: back to 1 after an unanswered or
    /// refused-for-now send, growing by one per ack up to [`crate::outbox::WINDOW`].
    pub send_window: std::sync::atomic::AtomicUsize,
    /// `send` calls waiting for the first outcome of their message.
    pub waiters: Mutex<HashMap<ClientMsgId, oneshot::Sender<Result<LocalMessage>>>>,
    /// Serialises applying the change log (pushes and API calls both do it).
    pub changes_lock: tokio::sync::Mutex<()>,
    /// Highest change-log version this process has announced as events (another
    /// process sharing the cache, e.g. a second `tern-cli`, may have applied it first).
    pub announced: std::sync::atomic::AtomicU64,
    /// Last unread count announced per conversation, and the total.
    pub unread: Mutex<(HashMap<ConversationId, u64>, Option<u64>)>,
    /// Commands to the supervisor.
    pub cmds: mpsc::UnboundedSender<Cmd>,
    /// Set once the session ends; tasks watch it.
    pub stopped: watch::Sender<bool>,
    /// The chat rooms joined in this session (memory only): joined again
    /// after a reconnect, in case the server dropped me meanwhile.
    pub rooms: Mutex<std::collections::BTreeSet<tern_proto::RoomId>>,
}

impl Shared {
    /// Sends an event (nobody listening is fine).
    pub fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// The live connection, or `Offline`.
    pub fn conn(&self) -> Result<Arc<Conn>> {
        self.conn
            .borrow()
            .clone()
            .ok_or_else(|| Error::Offline("not connected".into()))
    }

    /// Sends a command on the live connection and waits for its answer.
    pub async fn call<C: Command>(&self, cmd: C) -> Result<C::Output> {
        self.conn()?.call(cmd).await
    }

    /// My own message with client id `id`, from the cache.
    pub async fn own_message(&self, id: &ClientMsgId) -> Result<Option<LocalMessage>> {
        let (me, key) = (self.me.clone(), id.clone());
        self.db
            .call(move |c| crate::store::messages::message_by_client_id(c, &me, &me, &key))
            .await
    }

    /// Resolves the `send` waiting on `id`, if any.
    pub fn resolve(&self, id: &ClientMsgId, r: Result<LocalMessage>) {
        if let Some(tx) = self.waiters.lock().remove(id) {
            let _ = tx.send(r);
        }
    }

    /// Page size for pulls.
    pub fn page(&self) -> u32 {
        self.limits
            .lock()
            .as_ref()
            .map(|l| l.max_page)
            .unwrap_or(100)
            .clamp(1, 1000)
    }

    /// Re-reads a conversation and announces it, plus unread changes.
    pub async fn conv_changed(&self, conv: &ConversationId) -> Result<()> {
        let me = self.me.clone();
        let key = conv.clone();
        let Some(c) = self
            .db
            .call(move |c| convs::conversation(c, &me, &key))
            .await?
        else {
            return Ok(());
        };
        let unread = c.unread;
        self.emit(Event::ConversationChanged { conversation: c });
        let mut events = Vec::new();
        {
            let mut cache = self.unread.lock();
            if cache.0.insert(conv.clone(), unread) != Some(unread) {
                events.push(Event::UnreadChanged {
                    conv: conv.clone(),
                    unread,
                });
            }
            let total = cache.0.values().sum::<u64>();
            if cache.1 != Some(total) {
                cache.1 = Some(total);
                events.push(Event::TotalUnreadChanged { total });
            }
        }
        for e in events {
            self.emit(e);
        }
        Ok(())
    }

    /// Ends the session: tasks stop, the connection closes.
    pub fn stop(&self) {
        let _ = self.cmds.send(Cmd::Stop);
        self.stopped.send_replace(true);
        if let Some(c) = self.conn.send_replace(None) {
            c.close();
        }
    }
}
