//! "Remember me": the server URL, user id and session token kept in the OS
//! keyring (Secret Service on Linux) behind [`CredentialStore`], one entry per
//! account, named by [`entry_name`] (`user@server`). The password is never stored.
//!
//! Keyring calls block (D-Bus) and may hang on a locked keyring, so the app only
//! reaches the store through [`Credentials`], which runs each call on a blocking
//! thread with a timeout and turns every failure into a [`KeyringIssue`] for the
//! UI to put in words (the raw detail goes to the log only).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use specta::Type;

/// What is wrong with the keyring, for the login screen to put in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum KeyringIssue {
    /// No Secret Service (nothing owns `org.freedesktop.secrets`) or no access to
    /// it: "Remember me" cannot work on this computer.
    Unavailable,
    /// The keyring did not answer in time (a locked keyring waiting for a prompt).
    Locked,
    /// The remembered sign-in was refused by the server (expired, revoked).
    Refused,
    /// Any other keyring failure (an unreadable entry, a failed write).
    Failed,
}

/// A failed keyring call: the kind for the UI, the detail for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringError {
    /// What kind of problem.
    pub issue: KeyringIssue,
    /// The raw error (D-Bus names and all): logged, never shown.
    pub detail: String,
}

impl KeyringError {
    /// A failure of kind `issue`.
    pub fn new(issue: KeyringIssue, detail: impl Into<String>) -> Self {
        Self {
            issue,
            detail: detail.into(),
        }
    }
}

/// The keyring's state as the login screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct KeyringNotice {
    /// What is wrong.
    pub kind: KeyringIssue,
    /// Whose remembered sign-in (for `refused`).
    pub user: Option<String>,
}

/// What "Remember me" keeps: enough for `Client::login_with_token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    /// The server the token belongs to.
    pub server_url: String,
    /// The signed-in user id.
    pub user: String,
    /// The tern-core session token (`Client::token`).
    pub token: String,
}

/// A place to keep [`Remembered`] entries, each under a name. Blocking.
pub trait CredentialStore: Send + Sync + 'static {
    /// The entry stored under `name`, `None` when nothing is stored.
    fn load(&self, name: &str) -> Result<Option<Remembered>, KeyringError>;
    /// Stores `entry` under `name`, replacing any earlier one.
    fn save(&self, name: &str, entry: &Remembered) -> Result<(), KeyringError>;
    /// Removes the entry `name`; succeeds when there is none.
    fn delete(&self, name: &str) -> Result<(), KeyringError>;
}

/// The OS keyring through the `keyring` crate (Secret Service on Linux).
pub struct KeyringStore {
    service: String,
}

/// Keyring service name of the entries (`secret-tool search service im.tern.desktop`).
pub const KEYRING_SERVICE: &str = "im.tern.desktop";
/// Keyring account name of the one entry of versions before several accounts
/// (read once at start and moved to the account's own entry, see `accounts`).
pub const LEGACY_ENTRY: &str = "session";

/// The keyring entry (its `username` attribute) of `user` on `server_url`.
pub fn entry_name(server_url: &str, user: &str) -> String {
    format!("{user}@{}", server_url.trim())
}

impl KeyringStore {
    /// The app's entries.
    pub fn new() -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(&self.service, name).map_err(describe)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

fn describe(e: keyring::Error) -> KeyringError {
    use KeyringIssue::*;
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            KeyringError::new(Unavailable, format!("no access to the keyring: {inner}"))
        }
        keyring::Error::PlatformFailure(inner) => {
            KeyringError::new(Unavailable, format!("keyring service failure: {inner}"))
        }
        other => KeyringError::new(Failed, other.to_string()),
    }
}

impl CredentialStore for KeyringStore {
    fn load(&self, name: &str) -> Result<Option<Remembered>, KeyringError> {
        match self.entry(name)?.get_password() {
            Ok(secret) => serde_json::from_str(&secret).map(Some).map_err(|e| {
                KeyringError::new(
                    KeyringIssue::Failed,
                    format!("unreadable keyring entry: {e}"),
                )
            }),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(e)),
        }
    }

    fn save(&self, name: &str, entry: &Remembered) -> Result<(), KeyringError> {
        let secret = serde_json::to_string(entry)
            .map_err(|e| KeyringError::new(KeyringIssue::Failed, e.to_string()))?;
        self.entry(name)?.set_password(&secret).map_err(describe)
    }

    fn delete(&self, name: &str) -> Result<(), KeyringError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(e)),
        }
    }
}

/// An in-memory store for tests; can be made to fail or hang.
#[derive(Default)]
pub struct MemoryStore {
    /// The stored entries by name.
    pub entries: parking_lot::Mutex<std::collections::HashMap<String, Remembered>>,
    /// Every call fails with this (as an unavailable keyring) when set.
    pub fail: Option<String>,
    /// Every call sleeps this long first (a slow or locked keyring).
    pub delay: Option<Duration>,
}

impl MemoryStore {
    fn gate(&self) -> Result<(), KeyringError> {
        if let Some(d) = self.delay {
            std::thread::sleep(d);
        }
        match &self.fail {
            Some(m) => Err(KeyringError::new(KeyringIssue::Unavailable, m.clone())),
            None => Ok(()),
        }
    }
}

impl MemoryStore {
    /// The names of the stored entries, sorted (for tests).
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.entries.lock().keys().cloned().collect();
        v.sort();
        v
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self, name: &str) -> Result<Option<Remembered>, KeyringError> {
        self.gate()?;
        Ok(self.entries.lock().get(name).cloned())
    }
    fn save(&self, name: &str, entry: &Remembered) -> Result<(), KeyringError> {
        self.gate()?;
        let mut m = self.entries.lock();
        m.insert(name.to_owned(), entry.clone());
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<(), KeyringError> {
        self.gate()?;
        self.entries.lock().remove(name);
        Ok(())
    }
}

/// How long one keyring call may take before the app gives up on it.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`CredentialStore`] reached off the async runtime, with a timeout.
#[derive(Clone)]
pub struct Credentials {
    store: Arc<dyn CredentialStore>,
    timeout: Duration,
}

impl Credentials {
    /// Wraps `store`; each call gives up after `timeout`.
    pub fn new(store: Arc<dyn CredentialStore>, timeout: Duration) -> Self {
        Self { store, timeout }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn CredentialStore) -> Result<T, KeyringError> + Send + 'static,
    ) -> Result<T, KeyringError> {
        let store = self.store.clone();
        let job = tokio::task::spawn_blocking(move || f(&*store));
        match tokio::time::timeout(self.timeout, job).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(KeyringError::new(
                KeyringIssue::Failed,
                format!("the keyring call failed: {e}"),
            )),
            Err(_) => Err(KeyringError::new(
                KeyringIssue::Locked,
                format!(
                    "the keyring did not answer within {} s",
                    self.timeout.as_secs_f32()
                ),
            )),
        }
    }

    /// The sign-in remembered under `name`, if any.
    pub async fn load(&self, name: &str) -> Result<Option<Remembered>, KeyringError> {
        let name = name.to_owned();
        self.run(move |s| s.load(&name)).await
    }

    /// Remembers a sign-in under its own entry ([`entry_name`]).
    pub async fn save(&self, entry: Remembered) -> Result<(), KeyringError> {
        let name = entry_name(&entry.server_url, &entry.user);
        self.run(move |s| s.save(&name, &entry)).await
    }

    /// Forgets the sign-in remembered under `name`.
    pub async fn delete(&self, name: &str) -> Result<(), KeyringError> {
        let name = name.to_owned();
        self.run(move |s| s.delete(&name)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Remembered {
        Remembered {
            server_url: "ws://127.0.0.1:7878".into(),
            user: "alice".into(),
            token: "tok-1".into(),
        }
    }

    fn creds(store: MemoryStore, timeout: Duration) -> Credentials {
        Credentials::new(Arc::new(store), timeout)
    }

    #[tokio::test]
    async fn remembers_and_forgets() {
        let c = creds(MemoryStore::default(), KEYRING_TIMEOUT);
        let name = entry_name("ws://127.0.0.1:7878", "alice");
        assert_eq!(name, "alice@ws://127.0.0.1:7878");
        assert_eq!(c.load(&name).await.unwrap(), None);
        c.save(entry()).await.unwrap();
        assert_eq!(c.load(&name).await.unwrap(), Some(entry()));
        let mut newer = entry();
        newer.token = "tok-2".into();
        c.save(newer.clone()).await.unwrap();
        assert_eq!(c.load(&name).await.unwrap(), Some(newer));
        // Another account has its own entry.
        let bob = Remembered {
            user: "bob".into(),
            ..entry()
        };
        c.save(bob.clone()).await.unwrap();
        c.delete(&name).await.unwrap();
        assert_eq!(c.load(&name).await.unwrap(), None);
        assert_eq!(c.load("bob@ws://127.0.0.1:7878").await.unwrap(), Some(bob));
        c.delete(&name).await.unwrap();
    }

    #[tokio::test]
    async fn a_missing_keyring_is_unavailable_with_the_detail_for_the_log() {
        let store = MemoryStore {
            fail: Some("org.freedesktop.DBus.Error.ServiceUnknown".into()),
            ..Default::default()
        };
        let c = creds(store, KEYRING_TIMEOUT);
        let e = c.load("alice@ws://a").await.unwrap_err();
        assert_eq!(e.issue, KeyringIssue::Unavailable);
        assert!(e.detail.contains("ServiceUnknown"), "{e:?}");
        assert!(c.save(entry()).await.is_err());
        // The UI gets the kind only, never the D-Bus detail.
        let json = serde_json::to_string(&KeyringNotice {
            kind: e.issue,
            user: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"kind":"unavailable","user":null}"#);
    }

    #[tokio::test]
    async fn a_hanging_keyring_times_out() {
        let store = MemoryStore {
            delay: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        let c = creds(store, Duration::from_millis(50));
        let e = c.load("alice@ws://a").await.unwrap_err();
        assert_eq!(e.issue, KeyringIssue::Locked);
        assert!(e.detail.contains("did not answer"), "{e:?}");
    }

    #[test]
    fn the_secret_never_holds_a_password_field() {
        let json = serde_json::to_value(entry()).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["server_url", "token", "user"]);
    }
}
