//! "Remember me": the server URL, user id and session token kept in the OS
//! keyring (Secret Service on Linux) behind [`CredentialStore`]. The password is
//! never stored.
//!
//! Keyring calls block (D-Bus) and may hang on a locked keyring, so the app only
//! reaches the store through [`Credentials`], which runs each call on a blocking
//! thread with a timeout and turns every failure into a plain sentence for the UI.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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

/// A place to keep one [`Remembered`] entry. Blocking; errors are short descriptions.
pub trait CredentialStore: Send + Sync + 'static {
    /// The stored entry, `None` when nothing is stored.
    fn load(&self) -> Result<Option<Remembered>, String>;
    /// Stores `entry`, replacing any earlier one.
    fn save(&self, entry: &Remembered) -> Result<(), String>;
    /// Removes the entry; succeeds when there is none.
    fn delete(&self) -> Result<(), String>;
}

/// The OS keyring through the `keyring` crate (Secret Service on Linux).
pub struct KeyringStore {
    service: String,
    account: String,
}

/// Keyring service name of the entry (`secret-tool search service im.tern.desktop`).
pub const KEYRING_SERVICE: &str = "im.tern.desktop";
/// Keyring account name of the entry.
pub const KEYRING_ACCOUNT: &str = "session";

impl KeyringStore {
    /// The app's one entry.
    pub fn new() -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
            account: KEYRING_ACCOUNT.to_owned(),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, String> {
        keyring::Entry::new(&self.service, &self.account).map_err(describe)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

fn describe(e: keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(inner) => format!("no access to the keyring: {inner}"),
        keyring::Error::PlatformFailure(inner) => format!("keyring service failure: {inner}"),
        other => other.to_string(),
    }
}

impl CredentialStore for KeyringStore {
    fn load(&self) -> Result<Option<Remembered>, String> {
        match self.entry()?.get_password() {
            Ok(secret) => serde_json::from_str(&secret)
                .map(Some)
                .map_err(|e| format!("unreadable keyring entry: {e}")),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(describe(e)),
        }
    }

    fn save(&self, entry: &Remembered) -> Result<(), String> {
        let secret = serde_json::to_string(entry).map_err(|e| e.to_string())?;
        self.entry()?.set_password(&secret).map_err(describe)
    }

    fn delete(&self) -> Result<(), String> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(e)),
        }
    }
}

/// An in-memory store for tests; can be made to fail or hang.
#[derive(Default)]
pub struct MemoryStore {
    entry: std::sync::Mutex<Option<Remembered>>,
    /// Every call fails with this message when set.
    pub fail: Option<String>,
    /// Every call sleeps this long first (a slow or locked keyring).
    pub delay: Option<Duration>,
}

impl MemoryStore {
    fn gate(&self) -> Result<(), String> {
        if let Some(d) = self.delay {
            std::thread::sleep(d);
        }
        match &self.fail {
            Some(m) => Err(m.clone()),
            None => Ok(()),
        }
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self) -> Result<Option<Remembered>, String> {
        self.gate()?;
        Ok(self.entry.lock().expect("memory store").clone())
    }
    fn save(&self, entry: &Remembered) -> Result<(), String> {
        self.gate()?;
        *self.entry.lock().expect("memory store") = Some(entry.clone());
        Ok(())
    }
    fn delete(&self) -> Result<(), String> {
        self.gate()?;
        *self.entry.lock().expect("memory store") = None;
        Ok(())
    }
}

/// How long one keyring call may take before the app gives up on it.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`CredentialStore`] reached off the async runtime, with a timeout; failures
/// come back as the sentence the login screen shows.
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
        f: impl FnOnce(&dyn CredentialStore) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let store = self.store.clone();
        let job = tokio::task::spawn_blocking(move || f(&*store));
        let result = match tokio::time::timeout(self.timeout, job).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Err(format!("the keyring call failed: {e}")),
            Err(_) => Err(format!(
                "the keyring did not answer within {} s (is it locked?)",
                self.timeout.as_secs_f32()
            )),
        };
        result.map_err(notice)
    }

    /// The remembered sign-in, if any.
    pub async fn load(&self) -> Result<Option<Remembered>, String> {
        self.run(|s| s.load()).await
    }

    /// Remembers a sign-in.
    pub async fn save(&self, entry: Remembered) -> Result<(), String> {
        self.run(move |s| s.save(&entry)).await
    }

    /// Forgets the sign-in.
    pub async fn delete(&self) -> Result<(), String> {
        self.run(|s| s.delete()).await
    }
}

/// The plain-words notice for a keyring failure.
pub fn notice(detail: String) -> String {
    format!(
        "The system keyring is not available, so Tern cannot remember your sign-in on this computer. \
         You can still sign in. ({detail})"
    )
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
        assert_eq!(c.load().await.unwrap(), None);
        c.save(entry()).await.unwrap();
        assert_eq!(c.load().await.unwrap(), Some(entry()));
        let mut newer = entry();
        newer.token = "tok-2".into();
        c.save(newer.clone()).await.unwrap();
        assert_eq!(c.load().await.unwrap(), Some(newer));
        c.delete().await.unwrap();
        assert_eq!(c.load().await.unwrap(), None);
        c.delete().await.unwrap();
    }

    #[tokio::test]
    async fn a_missing_keyring_gives_a_plain_notice() {
        let store = MemoryStore {
            fail: Some("org.freedesktop.secrets was not provided".into()),
            ..Default::default()
        };
        let c = creds(store, KEYRING_TIMEOUT);
        let e = c.load().await.unwrap_err();
        assert!(e.contains("keyring is not available"), "{e}");
        assert!(e.contains("You can still sign in"), "{e}");
        assert!(e.contains("org.freedesktop.secrets"), "{e}");
        assert!(c.save(entry()).await.is_err());
    }

    #[tokio::test]
    async fn a_hanging_keyring_times_out() {
        let store = MemoryStore {
            delay: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        let c = creds(store, Duration::from_millis(50));
        let e = c.load().await.unwrap_err();
        assert!(e.contains("did not answer"), "{e}");
    }

    #[test]
    fn the_secret_never_holds_a_password_field() {
        let json = serde_json::to_value(entry()).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["server_url", "token", "user"]);
    }
}
