//! The public API of the SDK: a cheap-to-clone [`Client`] handle.
//!
//! This file holds the handle and the session calls; `relations` the profile,
//! friend and blacklist calls; `messages` conversations, messages and search;
//! `groups` groups, their members, roles and applications; `avatars` avatar
//! uploads and the avatar cache.

mod avatars;
mod conversations;
mod files;
mod forward;
mod groups;
mod messages;
mod preferences;
mod relations;
mod replies;
mod rooms;

use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tern_proto::{cmd, ClientMsgId, Command, DeviceId, FileId, UserId};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::config::ClientConfig;
use crate::error::{Detail, Error, Result};
use crate::event::Event;
use crate::session::{Cmd, Link, Marks, Sending, Shared, Status};
use crate::state::Outbox;
use crate::store::{conversations as convs, outgoing, Db};
use crate::supervisor::{open_session, supervise, Auth, Connected};
use crate::types::{ConnectionState, LoginStatus, Session};

pub use avatars::{Avatar, MAX_AVATAR_BYTES};
pub use files::PENDING_FILE_ID;

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
    /// File uploads running in the background.
    files: Arc<files::Transfers>,
}

impl Drop for Inner {
    /// The last handle is gone: end the session's tasks and connection.
    fn drop(&mut self) {
        if let Some(sh) = self.session.lock().take() {
            sh.link.stop();
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
            // Written world-readable by earlier versions.
            crate::private_fs::restrict(&path, crate::private_fs::FILE_MODE)?;
            return Ok(d);
        }
    }
    let d = DeviceId::new(format!("dev-{}", uuid::Uuid::new_v4().simple()))?;
    crate::private_fs::write_private(&path, d.as_str().as_bytes())?;
    Ok(d)
}

/// A time-ordered id (UUIDv7): the server keys its duplicate check on
/// (client_id, sender), where ids that grow with time are written at one end of
/// the index (docs/protocol.md, `send`).
fn new_client_id() -> ClientMsgId {
    ClientMsgId::new(uuid::Uuid::now_v7().simple().to_string()).expect("uuid is a valid id")
}

impl Client {
    /// Creates a client (creates `data_dir`, owner-only; no network I/O). Log in next.
    pub fn new(config: ClientConfig) -> Result<Self> {
        crate::private_fs::create_private_dir_all(&config.data_dir)?;
        // Reads the extra CA now, so that a bad file is reported here.
        crate::tls::client_config(config.extra_ca_pem.as_deref())?;
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
                files: Arc::default(),
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
            .clone()
            .filter(|s| !s.link.is_stopped())
            .ok_or(Error::NotLoggedIn)
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<UserId> {
        self.shared().ok().map(|s| s.me.clone())
    }

    /// The signed-in account's cache directory (`<data_dir>/<account dir>`, see
    /// [`crate::private_fs::account_dir_name`]); downloaded files live in its `files/`.
    pub fn account_dir(&self) -> Option<std::path::PathBuf> {
        let sh = self.shared().ok()?;
        let cfg = &self.inner.config;
        Some(crate::private_fs::account_dir(
            &cfg.data_dir,
            &cfg.server_url,
            &sh.me,
        ))
    }

    /// The current session token (for the app to keep, e.g. in the OS keyring).
    pub fn token(&self) -> Option<String> {
        self.session().map(|s| s.token)
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        let sh = self.shared().ok()?;
        let (token, expires_at) = sh.link.credentials();
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
        let (conn, _pushes, _) = crate::supervisor::connect_any(cfg).await?;
        conn.call(cmd::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await?;
        let r = conn
            .call(cmd::Register {
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
            // Owner-only, named by server and user (never outside data_dir).
            let (data, url, u) = (cfg.data_dir.clone(), cfg.server_url.clone(), user.clone());
            let path = tokio::task::spawn_blocking(move || {
                let dir = crate::private_fs::prepare_account_dir(&data, &url, &u)?;
                let path = dir.join("tern.db");
                crate::private_fs::prepare_db_file(&path)?;
                Ok::<_, std::io::Error>(path)
            })
            .await
            .map_err(|e| {
                Error::Storage(Detail::caused(format!("preparing the cache: {e}"), e))
            })??;
            let db = Db::open(&path).await?;
            let (me, me2) = (user.clone(), user.clone());
            let (entries, convs) = db
                .call(move |c| Ok((outgoing::load_outbox(c)?, convs::conversations(c, &me2)?)))
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
            link: Link::new(token.clone(), expires_at, cfg.server_url.clone(), cmds),
            sending: Sending::new(outbox),
            marks: Marks::new(unread),
        });
        *self.inner.session.lock() = Some(sh.clone());
        self.inner.status.set_login(LoginStatus::LoggedIn);
        tokio::spawn(supervise(sh.clone(), cmd_rx, first));
        tokio::spawn(crate::outbox::run(sh.clone()));
        // File messages whose upload was cut short by the last shutdown.
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.resume_uploads().await {
                tracing::warn!(error = %e, "resuming uploads failed");
            }
        });
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
        let sh = self.inner.session.lock().take();
        if let Some(sh) = sh {
            if let Ok(conn) = sh.link.conn() {
                let _ = conn.call(cmd::Logout {}).await;
            }
            sh.link.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
        Ok(())
    }

    /// Changes my password (the current one must be right). Every other device
    /// of mine is signed out; this session stays logged in.
    pub async fn change_password(&self, old: &str, new: &str) -> Result<()> {
        let conn = self.shared()?.link.conn()?;
        conn.call(cmd::ChangePassword {
            old_password: old.to_string(),
            new_password: new.to_string(),
        })
        .await
        .map(drop)
    }

    /// Signs out every other device of mine; this session stays logged in.
    pub async fn sign_out_others(&self) -> Result<()> {
        let conn = self.shared()?.link.conn()?;
        conn.call(cmd::SignOutOthers {}).await.map(drop)
    }

    /// Stops the connection and closes the cache without revoking the token
    /// (app shutdown). A later `login_with_token` resumes.
    pub async fn close(&self) {
        let _g = self.inner.login_lock.lock().await;
        if let Some(sh) = self.inner.session.lock().take() {
            sh.link.stop();
        }
        self.inner.status.set_login(LoginStatus::LoggedOut);
        self.inner.status.set_conn(ConnectionState::Offline);
    }

    /// Gives back the memory the cache keeps for speed (SQLite's page cache), for
    /// an app going to the background; the next reads come from disk.
    pub async fn shrink_memory(&self) -> Result<()> {
        self.read(|c, _| Ok(c.execute_batch("PRAGMA shrink_memory")?))
            .await
    }

    /// Forces a resync now (call on wake from sleep or a network change): reconnects
    /// at once if disconnected, then syncs relations and messages. Returns when done.
    pub async fn resync(&self) -> Result<()> {
        let sh = self.shared()?;
        let (tx, rx) = oneshot::channel();
        sh.link.command(Cmd::Resync(tx))?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Sends a request, then applies the change log it caused before returning, so the
    /// cache (and the events) reflect the change when the call returns.
    async fn change<C: Command>(&self, cmd: C) -> Result<C::Output> {
        let sh = self.shared()?;
        let conn = sh.link.conn()?;
        let res = conn.call(cmd).await?;
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
}

#[cfg(test)]
mod tests {
    /// Client ids grow with time (the server's duplicate key is ordered by them
    /// first; docs/protocol.md, `send`) and stay within the protocol's 48 characters.
    #[test]
    fn client_ids_are_time_ordered() {
        let ids: Vec<String> = (0..2_000)
            .map(|_| super::new_client_id().as_str().to_owned())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        assert!(ids.iter().all(|id| id.len() == 32));
    }
}
