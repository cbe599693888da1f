//! The accounts the app is signed in to, and which one the window shows: the
//! app's local config `<data dir>/accounts.json` (owner-only), read at start and
//! written on every change. Each account's token lives in its own keyring entry
//! ([`crate::credentials::entry_name`]) and its cache, outbox and files in its
//! own tern-core account directory under the data dir.
//!
//! An install from before several accounts has no `accounts.json` but may have
//! the one keyring entry [`LEGACY_ENTRY`]: [`load_or_upgrade`] moves it to the
//! account's own entry and makes that account the active one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::credentials::{entry_name, Credentials, KeyringError, LEGACY_ENTRY};

/// The config file's name in the data dir.
pub(crate) const FILE: &str = "accounts.json";

/// At most this many accounts at once (each keeps a connection and a cache open).
pub(crate) const MAX_ACCOUNTS: usize = 8;

/// One account as remembered in the config: enough to find its keyring entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// `user@server` ([`account_id`]): the account's id in the app and its keyring entry name.
    pub id: String,
    /// The server address as typed on the login screen (one or several URLs).
    pub server_url: String,
    /// The user id.
    pub user: String,
}

impl AccountRecord {
    /// The record of `user` on `server_url` (as typed).
    pub fn new(server_url: &str, user: &str) -> Self {
        let server_url = server_url.trim().to_owned();
        Self {
            id: account_id(&server_url, user),
            server_url,
            user: user.to_owned(),
        }
    }
}

/// The app's id of an account: `user@server` with the server text as typed,
/// which is also the name of its keyring entry.
pub(crate) fn account_id(server_url: &str, user: &str) -> String {
    entry_name(server_url.trim(), user)
}

/// The set of accounts and the active one, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Every account, oldest first.
    pub accounts: Vec<AccountRecord>,
    /// The account the window shows.
    pub active: Option<String>,
}

impl Registry {
    /// The record with `id`.
    pub fn get(&self, id: &str) -> Option<&AccountRecord> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Adds `rec` (or keeps the existing one with its id) and makes it active.
    /// False when it is new and [`MAX_ACCOUNTS`] are already there.
    pub fn add(&mut self, rec: AccountRecord) -> bool {
        if self.get(&rec.id).is_none() {
            if self.accounts.len() >= MAX_ACCOUNTS {
                return false;
            }
            self.accounts.push(rec.clone());
        }
        self.active = Some(rec.id);
        true
    }

    /// Removes `id`; when it was active, the first remaining account becomes
    /// active (none when it was the last). False when there was no such account.
    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.accounts.len();
        self.accounts.retain(|a| a.id != id);
        if self.active.as_deref() == Some(id) || self.active.is_none() {
            self.active = self.accounts.first().map(|a| a.id.clone());
        }
        self.accounts.len() != before
    }

    /// Makes `id` active; false (nothing changed) when there is no such account.
    pub fn set_active(&mut self, id: &str) -> bool {
        if self.get(id).is_none() {
            return false;
        }
        self.active = Some(id.to_owned());
        true
    }

    /// The config file in `dir`, `None` when there is none yet (a new install or
    /// one from before several accounts). A damaged file reads as no accounts.
    pub fn load(dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(path(dir)).ok()?;
        match serde_json::from_str::<Registry>(&text) {
            Ok(mut r) => {
                r.accounts.truncate(MAX_ACCOUNTS);
                if r.active.as_deref().is_none_or(|a| r.get(a).is_none()) {
                    r.active = r.accounts.first().map(|a| a.id.clone());
                }
                Some(r)
            }
            Err(e) => {
                tracing::warn!("unreadable {FILE}, starting with no accounts: {e}");
                Some(Self::default())
            }
        }
    }

    /// Writes the config to `dir` (owner-only; a temporary file renamed over the old one).
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let tmp = dir.join(format!("{FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path(dir))
    }
}

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// The registry in `dir`; on the first start after an upgrade from the
/// single-account app (no config yet), the account of the legacy keyring entry,
/// moved to its own entry. A keyring that cannot be read leaves nothing written,
/// so the next start tries again.
pub(crate) async fn load_or_upgrade(
    dir: &Path,
    credentials: &Credentials,
) -> Result<Registry, KeyringError> {
    if let Some(r) = Registry::load(dir) {
        return Ok(r);
    }
    let mut registry = Registry::default();
    if let Some(old) = credentials.load(LEGACY_ENTRY).await? {
        let rec = AccountRecord::new(&old.server_url, &old.user);
        credentials.save(old).await?;
        credentials.delete(LEGACY_ENTRY).await?;
        registry.add(rec);
    }
    if let Err(e) = registry.save(dir) {
        tracing::warn!("writing {FILE}: {e}");
    }
    Ok(registry)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::credentials::{MemoryStore, Remembered, KEYRING_TIMEOUT};

    fn rec(user: &str) -> AccountRecord {
        AccountRecord::new(" ws://127.0.0.1:7878 ", user)
    }

    #[test]
    fn add_switch_remove_and_the_active_one() {
        let mut r = Registry::default();
        assert!(r.add(rec("alice")));
        assert_eq!(r.active.as_deref(), Some("alice@ws://127.0.0.1:7878"));
        assert!(r.add(rec("bob")));
        assert_eq!(r.active.as_deref(), Some("bob@ws://127.0.0.1:7878"));
        // Adding again keeps one record and only switches.
        assert!(r.add(rec("alice")));
        assert_eq!(r.accounts.len(), 2);
        assert_eq!(r.active.as_deref(), Some("alice@ws://127.0.0.1:7878"));
        assert!(r.set_active("bob@ws://127.0.0.1:7878"));
        assert!(!r.set_active("carol@ws://127.0.0.1:7878"));
        assert_eq!(r.active.as_deref(), Some("bob@ws://127.0.0.1:7878"));
        // Removing the active one makes the first remaining active.
        assert!(r.remove("bob@ws://127.0.0.1:7878"));
        assert_eq!(r.active.as_deref(), Some("alice@ws://127.0.0.1:7878"));
        assert!(!r.remove("bob@ws://127.0.0.1:7878"));
        assert!(r.remove("alice@ws://127.0.0.1:7878"));
        assert_eq!(r, Registry::default());
    }

    #[test]
    fn the_number_of_accounts_is_capped() {
        let mut r = Registry::default();
        for i in 0..MAX_ACCOUNTS {
            assert!(r.add(rec(&format!("u{i}"))));
        }
        assert!(!r.add(rec("one-too-many")));
        assert_eq!(r.accounts.len(), MAX_ACCOUNTS);
        assert_eq!(r.active.as_deref(), Some("u7@ws://127.0.0.1:7878"));
        // An existing one may still be chosen.
        assert!(r.add(rec("u0")));
    }

    #[test]
    fn persists_owner_only_and_survives_a_damaged_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Registry::load(dir.path()), None);
        let mut r = Registry::default();
        r.add(rec("alice"));
        r.add(AccountRecord::new(
            "ws://other:7878, ws://other2:7878",
            "bob",
        ));
        r.set_active("alice@ws://127.0.0.1:7878");
        r.save(dir.path()).unwrap();
        assert_eq!(Registry::load(dir.path()), Some(r.clone()));
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // An active id that is not in the list falls back to the first account.
        let mut odd = r.clone();
        odd.active = Some("ghost@ws://x".into());
        odd.save(dir.path()).unwrap();
        assert_eq!(
            Registry::load(dir.path()).unwrap().active.as_deref(),
            Some("alice@ws://127.0.0.1:7878")
        );
        std::fs::write(dir.path().join(FILE), "{not json").unwrap();
        assert_eq!(Registry::load(dir.path()), Some(Registry::default()));
    }

    #[tokio::test]
    async fn a_single_account_install_upgrades_without_losing_its_account() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let creds = Credentials::new(store.clone(), KEYRING_TIMEOUT);
        let old = Remembered {
            server_url: "ws://127.0.0.1:7878".into(),
            user: "alice".into(),
            token: "tok-1".into(),
        };
        use crate::credentials::CredentialStore;
        store.save(LEGACY_ENTRY, &old).unwrap();
        let r = load_or_upgrade(dir.path(), &creds).await.unwrap();
        assert_eq!(r.accounts, vec![rec("alice")]);
        assert_eq!(r.active.as_deref(), Some("alice@ws://127.0.0.1:7878"));
        // The token moved to the account's own entry; the legacy one is gone.
        assert_eq!(store.names(), vec!["alice@ws://127.0.0.1:7878".to_owned()]);
        assert_eq!(
            creds.load("alice@ws://127.0.0.1:7878").await.unwrap(),
            Some(old)
        );
        // Written: the next start reads the file and leaves the keyring alone.
        assert_eq!(Registry::load(dir.path()), Some(r.clone()));
        assert_eq!(load_or_upgrade(dir.path(), &creds).await.unwrap(), r);
    }

    #[tokio::test]
    async fn a_new_install_starts_empty_and_a_broken_keyring_is_retried_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let creds = Credentials::new(Arc::new(MemoryStore::default()), KEYRING_TIMEOUT);
        assert_eq!(
            load_or_upgrade(dir.path(), &creds).await.unwrap(),
            Registry::default()
        );
        let dir = tempfile::tempdir().unwrap();
        let broken = MemoryStore {
            fail: Some("no secret service".into()),
            ..Default::default()
        };
        let creds = Credentials::new(Arc::new(broken), KEYRING_TIMEOUT);
        assert!(load_or_upgrade(dir.path(), &creds).await.is_err());
        assert_eq!(Registry::load(dir.path()), None);
    }
}
