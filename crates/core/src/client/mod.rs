//! The public API of the SDK: a cheap-to-clone [`Client`] handle.
//!
//! This file holds the handle, its state and the helpers the calls share; the calls
//! are grouped by concern: `account` (register, log in and out, sessions),
//! `relations` (profile, friends, blacklist), `conversations` (the list, drafts,
//! read state, typing, search), `messages` (send, resend, delete, read, recall,
//! edit), `replies`, `forward`, `files` (uploads, downloads), `avatars`, `groups`,
//! `rooms` and `preferences` (conversation and account settings).

mod account;
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
use tern_proto::{ClientMsgId, Command, DeviceId, FileId, UserId};
use tokio::sync::broadcast;

use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::{Shared, Status};
use crate::types::{ConnectionState, LoginStatus, Session};

pub use avatars::{Avatar, MAX_AVATAR_BYTES, MAX_AVATAR_PIXELS};
pub use files::{showable_image, MAX_SHOWN_PIXELS, PENDING_FILE_ID};

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

    /// Sends a request, then applies the change log it caused before returning, so the
    /// cache (and the events) reflect the change when the call returns.
    async fn change<C: Command>(&self, cmd: C) -> Result<C::Output> {
        let sh = self.shared()?;
        let conn = sh.link.conn()?;
        let res = conn.call(cmd).await?;
        crate::sync::sync_relations(&sh, &conn, None, crate::sync::Joined::PullNow).await?;
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
