//! A logged-in session: the state shared by the API, the connection supervisor and
//! the outbox task, and the supervisor itself — connect, authenticate, resync, handle
//! pushes, heartbeat, and reconnect with backoff (never after a kick or a dead token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tern_proto::{
    cmd, ClientMsgId, Command, ConversationId, DeviceId, ErrorCode, KickReason, Limits, Profile,
    Push, UserId, PROTOCOL_VERSION,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::state::{backoff_delay, Outbox};
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
        *self.login.lock().expect("status lock")
    }

    pub fn conn(&self) -> ConnectionState {
        *self.conn.lock().expect("status lock")
    }

    pub fn set_login(&self, s: LoginStatus) {
        let old = std::mem::replace(&mut *self.login.lock().expect("status lock"), s);
        if old != s {
            let _ = self.events.send(Event::LoginStatus { status: s });
        }
    }

    pub fn set_conn(&self, s: ConnectionState) {
        *self.conn.lock().expect("status lock") = s;
    }
}

/// How to authenticate a new connection.
pub(crate) enum Auth<'a> {
    Password(&'a UserId, &'a str),
    Token(&'a str),
}

/// An authenticated connection, fresh from the handshake.
pub(crate) struct Connected {
    pub conn: Arc<Conn>,
    pub pushes: mpsc::UnboundedReceiver<Push>,
    pub limits: Limits,
    pub token: String,
    pub expires_at: i64,
    pub profile: Profile,
    pub version: u64,
    /// The server URL it is connected to (one of [`ClientConfig::server_urls`]).
    pub url: String,
}

/// Connects to the first of [`ClientConfig::server_urls`] that accepts the
/// connection (failover to the next node of a cluster); the last error when
/// none does.
pub(crate) async fn connect_any(
    config: &ClientConfig,
) -> Result<(Arc<Conn>, mpsc::UnboundedReceiver<Push>, String)> {
    let tls = crate::tls::client_config(config.extra_ca_pem.as_deref())?;
    let mut last = None;
    for url in config.server_urls() {
        match Conn::connect(url, config.connection.request_timeout(), tls.clone()).await {
            Ok((conn, pushes)) => return Ok((conn, pushes, url.to_string())),
            Err(e) => {
                if config.fallback_urls.is_empty() {
                    return Err(e);
                }
                tracing::warn!(%url, error = %e, "connecting failed; trying the next server");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::Offline("no server url".into())))
}

/// Connects, says hello, and authenticates.
pub(crate) async fn open_session(
    config: &ClientConfig,
    device: &DeviceId,
    auth: Auth<'_>,
) -> Result<Connected> {
    let (conn, pushes, url) = connect_any(config).await?;
    let hello = cmd::Hello {
        version: PROTOCOL_VERSION,
    };
    let limits = conn.call(hello).await?.limits;
    let session = match auth {
        Auth::Password(user, password) => {
            let login = cmd::Login {
                user: user.clone(),
                password: password.to_string(),
                platform: config.platform,
                device: device.clone(),
            };
            conn.call(login).await?
        }
        Auth::Token(token) => {
            let resume = cmd::Resume {
                token: token.to_string(),
                platform: config.platform,
                device: device.clone(),
            };
            conn.call(resume).await?
        }
    };
    Ok(Connected {
        conn,
        pushes,
        limits,
        token: session.token,
        expires_at: session.expires_at,
        profile: session.profile,
        version: session.version,
        url,
    })
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
        if let Some(tx) = self.waiters.lock().expect("waiters lock").remove(id) {
            let _ = tx.send(r);
        }
    }

    /// Page size for pulls.
    pub fn page(&self) -> u32 {
        self.limits
            .lock()
            .expect("limits lock")
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
            let mut cache = self.unread.lock().expect("unread lock");
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

/// Why a connected period ended.
enum End {
    Stop,
    Kicked(KickReason),
    Dropped(String),
    /// A resync found the connection dead (e.g. after sleep); answer it after reconnecting.
    DeadOnResync(oneshot::Sender<Result<()>>),
}

/// How long a resync waits for a ping before it judges the connection dead.
const RESYNC_PROBE: Duration = Duration::from_secs(3);

/// The supervisor: runs until the session stops, is kicked, or its token dies.
pub(crate) async fn supervise(
    sh: Arc<Shared>,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    mut first: Option<Connected>,
) {
    let mut attempt = 0u32;
    let mut waiters: Vec<oneshot::Sender<Result<()>>> = Vec::new();
    loop {
        if *sh.stopped.borrow() {
            break;
        }
        let connected = match first.take() {
            Some(c) => Ok(c),
            None => {
                attempt += 1;
                sh.status.set_conn(ConnectionState::Connecting);
                sh.emit(Event::Connecting { attempt });
                let token = sh.token.lock().expect("token lock").0.clone();
                open_session(&sh.config, &sh.device, Auth::Token(&token)).await
            }
        };
        let error = match connected {
            Ok(c) => {
                attempt = 0;
                *sh.token.lock().expect("token lock") = (c.token.clone(), c.expires_at);
                *sh.limits.lock().expect("limits lock") = Some(c.limits.clone());
                *sh.url.lock().expect("url lock") = c.url.clone();
                sh.conn.send_replace(Some(c.conn.clone()));
                sh.status.set_conn(ConnectionState::Online);
                sh.emit(Event::Connected);
                let end = run_connected(&sh, c, &mut cmds, std::mem::take(&mut waiters)).await;
                if let Some(conn) = sh.conn.send_replace(None) {
                    conn.close();
                }
                match end {
                    End::Stop => break,
                    End::Kicked(reason) => {
                        if reason == KickReason::TokenExpired {
                            // The server ended the session at its token's expiry.
                            sh.emit(Event::TokenExpired {
                                code: ErrorCode::TokenExpired,
                            });
                        } else {
                            sh.emit(Event::KickedOffline { reason });
                        }
                        sh.status.set_login(LoginStatus::LoggedOut);
                        sh.stopped.send_replace(true);
                        break;
                    }
                    End::Dropped(e) => e,
                    End::DeadOnResync(tx) => {
                        waiters.push(tx);
                        "connection dead after wake-up".into()
                    }
                }
            }
            Err(Error::Server(e))
                if matches!(e.code, ErrorCode::TokenExpired | ErrorCode::TokenInvalid) =>
            {
                sh.emit(Event::TokenExpired { code: e.code });
                sh.status.set_login(LoginStatus::LoggedOut);
                sh.stopped.send_replace(true);
                for w in waiters.drain(..) {
                    let _ = w.send(Err(Error::Server(e.clone())));
                }
                break;
            }
            Err(e) => {
                for w in waiters.drain(..) {
                    let _ = w.send(Err(e.clone()));
                }
                e.to_string()
            }
        };
        let c = &sh.config.connection;
        let delay = backoff_delay(
            attempt.max(1),
            c.backoff_initial_ms,
            c.backoff_max_ms,
            rand::random(),
        );
        sh.status.set_conn(ConnectionState::Connecting);
        sh.emit(Event::ConnectFailed {
            error,
            retry_in_ms: delay.as_millis() as u64,
        });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            cmd = cmds.recv() => match cmd {
                Some(Cmd::Resync(tx)) => waiters.push(tx),
                Some(Cmd::Stop) | None => break,
            },
        }
    }
    sh.status.set_conn(ConnectionState::Offline);
    for w in waiters {
        let _ = w.send(Err(Error::Offline("session ended".into())));
    }
}

/// One connected period: resync, then pushes, commands and heartbeats until it ends.
async fn run_connected(
    sh: &Arc<Shared>,
    c: Connected,
    cmds: &mut mpsc::UnboundedReceiver<Cmd>,
    waiters: Vec<oneshot::Sender<Result<()>>>,
) -> End {
    let Connected {
        conn,
        mut pushes,
        limits,
        profile,
        version,
        ..
    } = c;
    let r = crate::sync::resync(sh, &conn, Some((version, profile))).await;
    for w in waiters {
        let _ = w.send(r.clone());
    }
    if let Err(e) = r {
        if e.is_transient() {
            return End::Dropped(format!("resync failed: {e}"));
        }
        tracing::warn!(error = %e, "resync failed");
    }
    crate::client::rejoin_rooms(sh).await;
    sh.outbox_wake.notify_one();
    let every = sh
        .config
        .connection
        .ping_interval_ms
        .unwrap_or(limits.idle_timeout_secs.max(3) * 1000 / 3);
    let mut ticker = tokio::time::interval(Duration::from_millis(every.max(100)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    // The periodic catch-up check (pushes are an optimisation: the server's
    // store is the truth, and a push may be lost between cluster nodes).
    let catch_up_ms = sh.config.connection.catch_up_interval_ms;
    let mut catch_up = tokio::time::interval(Duration::from_millis(catch_up_ms.max(100)));
    catch_up.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    catch_up.tick().await;
    loop {
        tokio::select! {
            push = pushes.recv() => match push {
                None => return End::Dropped("connection closed".into()),
                Some(Push::Kicked { reason }) => return End::Kicked(reason),
                Some(p) => {
                    if let Err(e) = crate::sync::handle_push(sh, &conn, p).await {
                        if e.is_transient() {
                            return End::Dropped(format!("sync failed: {e}"));
                        }
                        tracing::warn!(error = %e, "push handling failed");
                    }
                }
            },
            cmd = cmds.recv() => match cmd {
                Some(Cmd::Resync(tx)) => {
                    // After sleep or a network change the socket may be dead without
                    // knowing it: probe quickly instead of waiting for request timeouts.
                    let probe = tokio::time::timeout(RESYNC_PROBE, conn.call(cmd::Ping {})).await;
                    if !matches!(probe, Ok(Ok(_))) {
                        return End::DeadOnResync(tx);
                    }
                    let r = crate::sync::resync(sh, &conn, None).await;
                    let transient = matches!(&r, Err(e) if e.is_transient());
                    let _ = tx.send(r);
                    if transient {
                        return End::Dropped("resync failed".into());
                    }
                    sh.outbox_wake.notify_one();
                }
                Some(Cmd::Stop) | None => return End::Stop,
            },
            _ = ticker.tick() => {
                if let Err(e) = conn.call(cmd::Ping {}).await {
                    return End::Dropped(format!("heartbeat failed: {e}"));
                }
            }
            _ = catch_up.tick(), if catch_up_ms > 0 => {
                if let Err(e) = crate::sync::catch_up(sh, &conn).await {
                    if e.is_transient() {
                        return End::Dropped(format!("catch-up check failed: {e}"));
                    }
                    tracing::warn!(error = %e, "catch-up check failed");
                }
            }
        }
    }
}
