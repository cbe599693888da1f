//! What the shell keeps between commands: every signed-in account (one
//! tern-core client each, all connected at once), which one the window shows
//! (the active account: commands act on it), where data lives, and the default
//! server URL. The set of accounts and the active one are the app's local config
//! ([`crate::accounts`]).

use std::collections::HashMap;
use std::path::PathBuf;

use tern_core::{Client, ClientConfig};
use tokio::sync::Mutex;

use crate::accounts::Registry;
use crate::credentials::{Credentials, KeyringError, KeyringNotice};
use crate::error::{AppError, AppResult};

/// One signed-in account.
pub struct Active {
    /// The account's id (`user@server`, [`crate::accounts::account_id`]).
    pub id: String,
    /// The SDK handle (cheap to clone).
    pub client: Client,
    /// Server this session talks to (as typed), shown in the profile screen.
    pub server_url: String,
    /// Forwards the client's events ([`crate::live`]); aborted when the account is signed out.
    pub(crate) forwarder: tauri::async_runtime::JoinHandle<()>,
}

/// Shared state managed by Tauri.
pub struct AppState {
    /// Root of every account's local cache (each in its own tern-core account dir).
    pub data_dir: PathBuf,
    /// Pre-filled on the login screen (`--server` or `TERN_SERVER_URL`).
    pub default_server_url: String,
    /// The signed-in accounts; a mutex so sign-ins and sign-outs never interleave.
    pub live: Mutex<Vec<Active>>,
    /// The accounts config (every account and the active one), saved on each change.
    pub registry: parking_lot::Mutex<Registry>,
    /// Each account's unread count without muted chats; the tray shows the sum.
    unread: parking_lot::Mutex<HashMap<String, u64>>,
    /// "Remember me" storage (the OS keyring in the app), one entry per account.
    pub credentials: Credentials,
    /// The last keyring problem, for the login screen.
    pub keyring_notice: parking_lot::Mutex<Option<KeyringNotice>>,
    /// The accounts the tray-only process handed back (`--handoff-fd`), signed in
    /// by the first `restore_session` ([`crate::live::restore`]).
    pub handoff: parking_lot::Mutex<Option<tern_tray::handoff::Handoff>>,
}

impl AppState {
    /// State with no session yet.
    pub fn new(data_dir: PathBuf, default_server_url: String, credentials: Credentials) -> Self {
        Self {
            data_dir,
            default_server_url,
            live: Mutex::new(Vec::new()),
            registry: parking_lot::Mutex::new(Registry::default()),
            unread: parking_lot::Mutex::new(HashMap::new()),
            credentials,
            keyring_notice: parking_lot::Mutex::new(None),
            handoff: parking_lot::Mutex::new(None),
        }
    }

    /// Records the outcome of a keyring call: an error becomes the notice, success clears it.
    pub fn keyring_result<T>(&self, r: Result<T, KeyringError>) -> Option<T> {
        let mut notice = self.keyring_notice.lock();
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
        self.keyring_notice.lock().clone()
    }

    /// The id of the account the window shows.
    pub fn active_id(&self) -> Option<String> {
        self.registry.lock().active.clone()
    }

    /// How many accounts the app knows (notifications name the account when several).
    pub fn account_count(&self) -> usize {
        self.registry.lock().accounts.len()
    }

    /// Changes the accounts config and writes it to the data dir.
    pub fn update_registry<T>(&self, f: impl FnOnce(&mut Registry) -> T) -> T {
        let mut r = self.registry.lock();
        let out = f(&mut r);
        if let Err(e) = r.save(&self.data_dir) {
            tracing::warn!("writing {}: {e}", crate::accounts::FILE);
        }
        out
    }

    /// The active account's id and client, or `not_logged_in`.
    pub async fn current(&self) -> AppResult<(String, Client)> {
        let id = self.active_id().ok_or_else(AppError::not_logged_in)?;
        self.live
            .lock()
            .await
            .iter()
            .find(|a| a.id == id)
            .map(|a| (a.id.clone(), a.client.clone()))
            .ok_or_else(AppError::not_logged_in)
    }

    /// The active account's client, or `not_logged_in`.
    pub async fn client(&self) -> AppResult<Client> {
        Ok(self.current().await?.1)
    }

    /// A fresh client for `server_url` (not logged in): one address, or
    /// several separated by commas or spaces, tried in order
    /// ([`crate::servers`]).
    pub fn new_client(&self, server_url: &str) -> AppResult<Client> {
        self.new_client_since(server_url, None)
    }

    /// [`Self::new_client`] whose catch-up announces messages sent since
    /// `live_since` (ms) as live: taking over from the tray-only process.
    pub fn new_client_since(&self, server_url: &str, live_since: Option<i64>) -> AppResult<Client> {
        let (url, fallbacks) = crate::servers::parse(server_url)?;
        let mut config = ClientConfig::new(&self.data_dir, url);
        config.fallback_urls = fallbacks;
        config.live_since = live_since;
        // A private CA for a `wss://` server (self-signed / internal), as in tern-cli.
        config.extra_ca_pem = std::env::var_os("TERN_CA_CERT")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from);
        Ok(Client::new(config)?)
    }

    /// Adds a signed-in account to the live set.
    pub async fn insert(&self, active: Active) {
        self.live.lock().await.push(active);
    }

    /// Takes account `id` out of the live set and stops forwarding its events;
    /// returns the client to close or log out. (Its unread count on the tray:
    /// [`crate::switcher::show_unread`].)
    pub async fn take(&self, id: &str) -> Option<Client> {
        let active = {
            let mut live = self.live.lock().await;
            let i = live.iter().position(|a| a.id == id)?;
            live.remove(i)
        };
        active.forwarder.abort();
        Some(active.client)
    }

    /// Every live client, taken out (the app is quitting).
    pub async fn take_all(&self) -> Vec<Client> {
        let mut live = self.live.lock().await;
        live.drain(..)
            .map(|a| {
                a.forwarder.abort();
                a.client
            })
            .collect()
    }

    /// Records account `id`'s unread count (`None`: it is gone); returns the sum
    /// of every account's, which the tray shows ([`crate::switcher::show_unread`]).
    pub fn record_unread(&self, id: &str, n: Option<u64>) -> u64 {
        let mut m = self.unread.lock();
        match n {
            Some(n) => m.insert(id.to_owned(), n),
            None => m.remove(id),
        };
        m.values().sum()
    }

    /// Account `id`'s unread count as last shown on the tray.
    pub fn unread_of(&self, id: &str) -> u64 {
        let m = self.unread.lock();
        m.get(id).copied().unwrap_or(0)
    }
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
