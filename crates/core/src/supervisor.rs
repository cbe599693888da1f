//! The connection supervisor of a session: connect (with failover between the
//! configured servers), say hello and authenticate, resync, handle pushes, heartbeat,
//! and reconnect with backoff (never after a kick or a dead token). Uses the session
//! state ([`crate::session`]) and sync; nothing below it uses this module.

use std::sync::Arc;
use std::time::Duration;

use tern_proto::{
    cmd, DeviceId, ErrorCode, KickReason, Limits, Profile, Push, RoomId, RoomInfo, RoomLeftReason,
    RoomMessage, UserId, PROTOCOL_VERSION,
};
use tokio::sync::{mpsc, oneshot};

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::{Cmd, Shared};
use crate::state::backoff_delay;
use crate::transport::Conn;
use crate::types::{ConnectionState, LoginStatus};

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
                // A refused certificate says more than another node being down.
                if !matches!(last, Some(Error::Certificate { .. })) {
                    last = Some(e);
                }
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
        if sh.link.is_stopped() {
            break;
        }
        let connected = match first.take() {
            Some(c) => Ok(c),
            None => {
                attempt += 1;
                sh.status.set_conn(ConnectionState::Connecting);
                sh.emit(Event::Connecting { attempt });
                let token = sh.link.token();
                open_session(&sh.config, &sh.device, Auth::Token(&token)).await
            }
        };
        let (error, certificate) = match connected {
            Ok(c) => {
                attempt = 0;
                sh.link.connected(
                    c.conn.clone(),
                    c.token.clone(),
                    c.expires_at,
                    c.limits.clone(),
                    c.url.clone(),
                );
                sh.status.set_conn(ConnectionState::Online);
                sh.emit(Event::Connected);
                let end = run_connected(&sh, c, &mut cmds, std::mem::take(&mut waiters)).await;
                if let Some(conn) = sh.link.disconnected() {
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
                        sh.link.mark_stopped();
                        break;
                    }
                    End::Dropped(e) => (e, None),
                    End::DeadOnResync(tx) => {
                        waiters.push(tx);
                        ("connection dead after wake-up".into(), None)
                    }
                }
            }
            Err(Error::Server(e))
                if matches!(e.code, ErrorCode::TokenExpired | ErrorCode::TokenInvalid) =>
            {
                sh.emit(Event::TokenExpired { code: e.code });
                sh.status.set_login(LoginStatus::LoggedOut);
                sh.link.mark_stopped();
                for w in waiters.drain(..) {
                    let _ = w.send(Err(Error::Server(e.clone())));
                }
                break;
            }
            Err(e) => {
                for w in waiters.drain(..) {
                    let _ = w.send(Err(e.clone()));
                }
                let certificate = match &e {
                    Error::Certificate { problem, .. } => Some(*problem),
                    _ => None,
                };
                (e.to_string(), certificate)
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
            certificate,
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
    rejoin_rooms(sh).await;
    sh.sending.wake();
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
    // Synced up to here: what a catch-up finds sent from now on was sent while this
    // connection was up — live news whose push was lost, not backlog.
    let live_from = crate::store::now_ms();
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
                    sh.sending.wake();
                }
                Some(Cmd::Stop) | None => return End::Stop,
            },
            _ = ticker.tick() => {
                if let Err(e) = conn.call(cmd::Ping {}).await {
                    return End::Dropped(format!("heartbeat failed: {e}"));
                }
            }
            _ = catch_up.tick(), if catch_up_ms > 0 => {
                if let Err(e) = crate::sync::catch_up(sh, &conn, live_from).await {
                    if e.is_transient() {
                        return End::Dropped(format!("catch-up check failed: {e}"));
                    }
                    tracing::warn!(error = %e, "catch-up check failed");
                }
            }
        }
    }
}

/// Joins `room` (for the API, and again after a reconnect).
pub(crate) async fn join_room(sh: &Shared, room: &RoomId) -> Result<(RoomInfo, Vec<RoomMessage>)> {
    let joined = sh.call(cmd::JoinRoom { room: room.clone() }).await?;
    Ok((joined.room, joined.recent))
}

/// After a (re)connect: joins again the rooms of this session. A refusal
/// takes the room off the list and is announced as `room_left` (`dropped`);
/// a transient failure leaves it for the next connect.
pub(crate) async fn rejoin_rooms(sh: &Arc<Shared>) {
    let rooms: Vec<RoomId> = sh.marks.rooms();
    for room in rooms {
        match join_room(sh, &room).await {
            Ok(_) => {}
            Err(e) if e.is_transient() => return,
            Err(e) => {
                tracing::info!(%room, error = %e, "could not rejoin a room");
                sh.marks.left(&room);
                sh.emit(Event::RoomLeft {
                    room,
                    reason: RoomLeftReason::Dropped,
                    banned_until: None,
                });
            }
        }
    }
}
