//! What every command module shares besides printing: parsing ids, and the
//! session a login leaves in the data dir.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tern_core::proto::{ConversationId, UserId};
use tern_core::Client;

use crate::output::Failure;

/// The session a login leaves in the data dir for later invocations.
#[derive(Serialize, Deserialize)]
pub(crate) struct Saved {
    /// Who logged in.
    pub user: UserId,
    /// Their session token.
    pub token: String,
}

pub(crate) fn session_path(dir: &Path) -> PathBuf {
    dir.join("cli-session.json")
}

/// Writes the saved session readable by the owner only (0600, also when it existed).
pub(crate) fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    tern_core::private_fs::write_private(path, bytes)
}

pub(crate) fn uid(s: &str) -> Result<UserId, Failure> {
    Ok(UserId::new(s)?)
}

/// A user id or a conversation id (`d:a:b`, `g:x`).
pub(crate) fn conv_of(client: &Client, s: &str) -> Result<ConversationId, Failure> {
    if s.contains(':') {
        Ok(ConversationId::parse(s)?)
    } else {
        Ok(client.direct_conversation(&uid(s)?)?)
    }
}

/// Logs in with the saved token.
pub(crate) async fn resume(client: &Client, dir: &Path) -> Result<(), Failure> {
    let raw = std::fs::read(session_path(dir))
        .map_err(|_| Failure::Other("not logged in: run `tern-cli login USER PASSWORD`".into()))?;
    let saved: Saved = serde_json::from_slice(&raw)?;
    client.login_with_token(&saved.user, &saved.token).await?;
    Ok(())
}
