//! The handed-over accounts: each signed in again with its token, its events
//! forwarded to the tray process tagged with its index.

use tern_core::{Client, ClientConfig, Event};
use tokio::sync::mpsc::UnboundedSender;

use crate::handoff::{Account, Handoff};

/// One handed-over account.
pub(super) struct Acct {
    /// As handed over (its token given back if it never signed in).
    pub given: Account,
    /// `user@host`.
    pub label: String,
    /// Signed in: its client. `None`: the sign-in failed (handed back as given).
    pub client: Option<Client>,
    /// Unread messages, muted chats left out.
    pub unread: u64,
    /// Signed out elsewhere (kicked, token expired): not handed back.
    pub ended: bool,
}

/// Signs `a` in with its token; its events go to `events` tagged with `index`.
pub(super) async fn sign_in(
    h: &Handoff,
    a: &Account,
    index: usize,
    events: UnboundedSender<(usize, Event)>,
) -> Result<Client, String> {
    let mut urls = a
        .server_url
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty());
    let first = urls.next().ok_or("no server address")?;
    let mut config = ClientConfig::new(&h.data_dir, first);
    config.fallback_urls = urls.map(str::to_owned).collect();
    config.extra_ca_pem = std::env::var_os("TERN_CA_CERT")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from);
    config.live_since = Some(h.since_ms);
    let client = Client::new(config).map_err(|e| e.to_string())?;
    let mut rx = client.subscribe();
    let user = tern_core::proto::UserId::new(&a.user).map_err(|e| e.to_string())?;
    if let Err(e) = client.login_with_token(&user, &a.token).await {
        client.close().await;
        return Err(e.to_string());
    }
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match rx.recv().await {
                Ok(ev) => {
                    if events.send((index, ev)).is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::warn!("tray lagged {n} events"),
                Err(RecvError::Closed) => return,
            }
        }
    });
    Ok(client)
}
