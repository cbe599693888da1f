//! What the shell keeps between commands: the signed-in tern-core client (if
//! any), where data lives, and the default server URL.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_specta::Event as _;
use tern_core::{Client, ClientConfig};
use tokio::sync::{broadcast, Mutex};

use crate::credentials::{Credentials, KeyringError, KeyringNotice};
use crate::error::{AppError, AppResult};
use crate::events::{end_reason, CoreEvent, SessionEnded};

/// The signed-in account.
pub struct Active {
    /// The SDK handle (cheap to clone).
    pub client: Client,
    /// Server this session talks to, shown in the profile screen.
    pub server_url: String,
    /// Forwards the client's events to the UI; aborted on logout.
    forwarder: tauri::async_runtime::JoinHandle<()>,
}

/// Shared state managed by Tauri.
pub struct AppState {
    /// Root of every account's local cache.
    pub data_dir: PathBuf,
    /// Pre-filled on the login screen (`--server` or `TERN_SERVER_URL`).
    pub default_server_url: String,
    /// The session; a mutex so login/logout never interleave.
    pub active: Mutex<Option<Active>>,
    /// "Remember me" storage (the OS keyring in the app).
    pub credentials: Credentials,
    /// The last keyring problem, for the login screen.
    pub keyring_notice: std::sync::Mutex<Option<KeyringNotice>>,
}

impl AppState {
    /// State with no session yet.
    pub fn new(data_dir: PathBuf, default_server_url: String, credentials: Credentials) -> Self {
        Self {
            data_dir,
            default_server_url,
            active: Mutex::new(None),
            credentials,
            keyring_notice: std::sync::Mutex::new(None),
        }
    }

    /// Records the outcome of a keyring call: an error becomes the notice, success clears it.
    pub fn keyring_result<T>(&self, r: Result<T, KeyringError>) -> Option<T> {
        let mut notice = self.keyring_notice.lock().expect("notice lock");
        match r {
            Ok(v) => {
                *notice = None;
                Some(v)
            }
            Err(e) => {
                tracing::warn!("keyring ({:?}): {}", e.issue, e.detail);
                *notice = Some(KeyringNotice {
                    kind: e.issue,
                    user: None,
                });
                None
            }
        }
    }

    /// The current keyring notice, if any.
    pub fn notice(&self) -> Option<KeyringNotice> {
        self.keyring_notice.lock().expect("notice lock").clone()
    }

    /// The signed-in client, or `not_logged_in`.
    pub async fn client(&self) -> AppResult<Client> {
        self.active
            .lock()
            .await
            .as_ref()
            .map(|a| a.client.clone())
            .ok_or_else(AppError::not_logged_in)
    }

    /// A fresh client for `server_url` (not logged in): one address, or
    /// several separated by commas or spaces, tried in order
    /// ([`crate::servers`]).
    pub fn new_client(&self, server_url: &str) -> AppResult<Client> {
        let (url, fallbacks) = crate::servers::parse(server_url)?;
        let mut config = ClientConfig::new(&self.data_dir, url);
        config.fallback_urls = fallbacks;
        // A private CA for a `wss://` server (self-signed / internal), as in tern-cli.
        config.extra_ca_pem = std::env::var_os("TERN_CA_CERT")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from);
        Ok(Client::new(config)?)
    }

    /// Makes `client` the active session and starts forwarding its events
    /// (subscribe before login so no connection event is missed).
    pub fn activate<R: Runtime>(
        app: &AppHandle<R>,
        client: Client,
        rx: broadcast::Receiver<tern_core::Event>,
        server_url: String,
    ) -> Active {
        let forwarder = tauri::async_runtime::spawn(forward(app.clone(), client.clone(), rx));
        let (app2, c2) = (app.clone(), client.clone());
        tauri::async_runtime::spawn(async move {
            if let Ok(total) = c2.total_unread().await {
                crate::notify::refresh_tray_unread(&app2, &c2, total).await;
            }
        });
        Active {
            client,
            server_url,
            forwarder,
        }
    }

    /// Ends the session: stops forwarding and returns the client to close or log out.
    pub async fn take(&self) -> Option<Client> {
        let active = self.active.lock().await.take()?;
        active.forwarder.abort();
        Some(active.client)
    }
}

/// Pumps one client's events to the UI until the session ends.
async fn forward<R: Runtime>(
    app: AppHandle<R>,
    client: Client,
    mut rx: broadcast::Receiver<tern_core::Event>,
) {
    use tauri::Manager;
    loop {
        match rx.recv().await {
            Ok(ev) => {
                match &ev {
                    tern_core::Event::TotalUnreadChanged { total } => {
                        crate::notify::refresh_tray_unread(&app, &client, *total).await;
                    }
                    tern_core::Event::ConvSettingsChanged { .. } => {
                        // A mute from another device: the tray's total leaves that chat out.
                        if let Ok(total) = client.total_unread().await {
                            crate::notify::refresh_tray_unread(&app, &client, total).await;
                        }
                    }
                    tern_core::Event::NewMessage { message, live } => {
                        crate::notify::on_new_message(&app, &client, message, *live).await;
                    }
                    _ => {}
                }
                let ended = end_reason(&ev);
                if let Err(e) = CoreEvent(ev).emit(&app) {
                    tracing::warn!("emit core event: {e}");
                }
                if let Some(reason) = ended {
                    // Drop the session only if it is still this client's.
                    let state = app.state::<AppState>();
                    let mut guard = state.active.lock().await;
                    if guard.as_ref().is_some_and(|a| same(&a.client, &client)) {
                        guard.take();
                    }
                    drop(guard);
                    client.close().await;
                    crate::shell::set_unread(&app, 0);
                    let _ = SessionEnded {
                        reason: Some(reason),
                        resync: false,
                    }
                    .emit(&app);
                    // The token is no longer good: forget it.
                    let r = state.credentials.delete().await;
                    state.keyring_result(r);
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!("UI event forwarder lagged by {n}; asking the UI to reload");
                let _ = SessionEnded {
                    reason: None,
                    resync: true,
                }
                .emit(&app);
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn same(a: &Client, b: &Client) -> bool {
    a.user() == b.user() && a.config().server_url == b.config().server_url
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tern_core::proto::UserId;

    use super::*;
    use crate::credentials::MemoryStore;

    /// The login screen's "several servers" reach tern-core: with the first
    /// address dead, the client signs up and in through the next one.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_server_list_signs_in_through_the_next_address_when_the_first_is_down() {
        let sdir = tempfile::tempdir().unwrap();
        let server = tern_server::spawn(tern_server::Config::for_tests(sdir.path()))
            .await
            .unwrap();
        let dead = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let data = tempfile::tempdir().unwrap();
        let credentials =
            Credentials::new(Arc::new(MemoryStore::default()), Duration::from_secs(1));
        let state = AppState::new(data.path().to_path_buf(), String::new(), credentials);
        let client = state
            .new_client(&format!("ws://{dead}, ws://{}", server.addr()))
            .unwrap();
        let alice = UserId::new("alice").unwrap();
        client.register(&alice, "alice-password-1").await.unwrap();
        client.login(&alice, "alice-password-1").await.unwrap();
        assert_eq!(client.user(), Some(alice));
        client.logout().await.unwrap();
        // Only the dead address: signing in fails.
        let lone = state.new_client(&format!("ws://{dead}")).unwrap();
        assert!(lone
            .login(&UserId::new("alice").unwrap(), "alice-password-1")
            .await
            .is_err());
        assert!(state.new_client("ws://a, ftp://b").is_err());
        server.shutdown().await;
    }
}
