//! A logged-in session: the state shared by the API, the connection supervisor
//! ([`crate::supervisor`]), sync and the outbox task. This module depends on none
//! of them: they all depend on it.

mod link;
mod marks;
mod sending;

use std::sync::Arc;

use parking_lot::Mutex;

use tern_proto::{ClientMsgId, Command, ConversationId, DeviceId, UserId};
use tokio::sync::{broadcast, oneshot};

pub(crate) use self::link::Link;
pub(crate) use self::marks::Marks;
pub(crate) use self::sending::Sending;
use crate::config::ClientConfig;
use crate::error::Result;
use crate::event::Event;
use crate::store::{conversations as convs, Db};
use crate::types::{ConnectionState, LocalMessage, LoginStatus};

/// Login and connection status, shared by the [`crate::Client`] and its session;
/// every change is also an [`Event`].
pub(crate) struct Status {
    login: Mutex<LoginStatus>,
    conn: Mutex<ConnectionState>,
    events: broadcast::Sender<Event>,
}

impl Status {
    pub(crate) fn new(events: broadcast::Sender<Event>) -> Self {
        Self {
            login: Mutex::new(LoginStatus::LoggedOut),
            conn: Mutex::new(ConnectionState::Offline),
            events,
        }
    }

    pub(crate) fn login(&self) -> LoginStatus {
        *self.login.lock()
    }

    pub(crate) fn conn(&self) -> ConnectionState {
        *self.conn.lock()
    }

    pub(crate) fn set_login(&self, s: LoginStatus) {
        let old = std::mem::replace(&mut *self.login.lock(), s);
        if old != s {
            let _ = self.events.send(Event::LoginStatus { status: s });
        }
    }

    pub(crate) fn set_conn(&self, s: ConnectionState) {
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

/// State of one logged-in session, shared by the API, the supervisor and the
/// outbox task: who is logged in and where, plus three groups of state that
/// each say what they hold.
pub(crate) struct Shared {
    pub config: ClientConfig,
    pub me: UserId,
    /// This installation's id.
    pub device: DeviceId,
    /// The account's cache.
    pub db: Db,
    pub events: broadcast::Sender<Event>,
    pub status: Arc<Status>,
    pub link: Link,
    pub sending: Sending,
    pub marks: Marks,
}

impl Shared {
    /// Sends an event (nobody listening is fine).
    pub(crate) fn emit(&self, e: Event) {
        let _ = self.events.send(e);
    }

    /// Sends a command on the live connection and waits for its answer.
    pub(crate) async fn call<C: Command>(&self, cmd: C) -> Result<C::Output> {
        self.link.conn()?.call(cmd).await
    }

    /// My own message with client id `id`, from the cache.
    pub(crate) async fn own_message(&self, id: &ClientMsgId) -> Result<Option<LocalMessage>> {
        let (me, key) = (self.me.clone(), id.clone());
        self.db
            .call(move |c| crate::store::messages::message_by_client_id(c, &me, &me, &key))
            .await
    }

    /// Page size for pulls.
    pub(crate) fn page(&self) -> u32 {
        self.link
            .limits()
            .map(|l| l.max_page)
            .unwrap_or(100)
            .clamp(1, 1000)
    }

    /// Re-reads a conversation and announces it, plus unread changes.
    pub(crate) async fn conv_changed(&self, conv: &ConversationId) -> Result<()> {
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
        self.emit(Event::ConversationChanged {
            conversation: Box::new(c),
        });
        for e in self.marks.set_unread(conv, unread) {
            self.emit(e);
        }
        Ok(())
    }
}
