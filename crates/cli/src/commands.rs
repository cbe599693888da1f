//! The account, friend and message commands that take more than a line or two
//! (dispatched from `main.rs`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use sha2::Digest;
use tern_core::proto::{ClientMsgId, Content};
use tern_core::{Client, DeliveryState, Error, Event, ProfileUpdate};
use tokio::sync::broadcast;

use crate::args::FriendCmd;
use crate::output::{out, Failure};
use crate::session::{conv_of, uid};

/// Waits for the first sync after login (the connection may need retries).
pub(crate) async fn wait_synced(
    client: &Client,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
    cache_will_do: bool,
) -> Result<(), Failure> {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(Event::SyncFinished { .. }) => return Ok(()),
                // A refused certificate is no network blip: say so at once (exit 6).
                Ok(Event::ConnectFailed {
                    error,
                    certificate: Some(problem),
                    ..
                }) if !cache_will_do => {
                    return Err(Failure::Client(Error::Certificate {
                        problem,
                        detail: error.into(),
                    }))
                }
                // The server is unreachable and the command reads the cache: answer from it.
                Ok(Event::ConnectFailed { .. }) if cache_will_do => return Ok(()),
                Ok(Event::TokenExpired { code }) => {
                    return Err(Failure::Other(format!(
                        "session token refused (code {code}); log in again"
                    )))
                }
                Ok(Event::KickedOffline { reason }) => {
                    return Err(Failure::Other(format!("kicked offline: {reason:?}")))
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => {
                    return Err(Failure::Client(Error::Closed))
                }
            }
        }
    };
    let _ = client;
    match tokio::time::timeout(timeout, wait).await {
        Ok(r) => r,
        Err(_) if cache_will_do => Ok(()),
        Err(_) => Err(Failure::Client(Error::Offline("server unreachable".into()))),
    }
}

/// Prints my profile, or changes it (uploading `avatar` first) and prints it.
pub(crate) async fn profile(
    client: &Client,
    nickname: Option<String>,
    signature: Option<String>,
    avatar: Option<PathBuf>,
) -> Result<(), Failure> {
    if nickname.is_none() && signature.is_none() && avatar.is_none() {
        return out(&client.my_profile().await?);
    }
    let avatar = match avatar {
        Some(path) => {
            let bytes = std::fs::read(&path)
                .map_err(|e| Failure::Other(format!("{}: {e}", path.display())))?;
            Some(client.upload_avatar(bytes).await?)
        }
        None => None,
    };
    let update = ProfileUpdate {
        nickname,
        signature,
        avatar,
    };
    out(&client.set_profile(update).await?)
}

/// Downloads `user`'s avatar into the cache; prints its id, path and sha256.
pub(crate) async fn avatar(client: &Client, user: &str) -> Result<(), Failure> {
    let profile = client
        .get_profiles(&[uid(user)?])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Other(format!("no user {user}")))?;
    let Some(id) = profile.avatar else {
        return out(&json!({"user": user, "avatar": null}));
    };
    let a = client.avatar(&id).await?;
    let bytes = std::fs::read(&a.path).map_err(|e| Failure::Other(e.to_string()))?;
    out(
        &json!({"user": user, "avatar": id, "path": a.path, "mime": a.mime,
        "bytes": bytes.len(), "sha256": hex::encode(sha2::Sha256::digest(&bytes))}),
    )
}

/// The friend subcommands.
pub(crate) async fn friend(client: &Client, cmd: FriendCmd) -> Result<(), Failure> {
    match cmd {
        FriendCmd::Add { user, greeting } => {
            client.apply_friend(&uid(&user)?, &greeting).await?;
            out(&json!({"applied": user}))
        }
        FriendCmd::Accept { user } => {
            client.accept_friend(&uid(&user)?).await?;
            out(&json!({"accepted": user}))
        }
        FriendCmd::Refuse { user } => {
            client.refuse_friend(&uid(&user)?).await?;
            out(&json!({"refused": user}))
        }
        FriendCmd::List => out(&client.friends().await?),
        FriendCmd::Applications { sent } => {
            if sent {
                out(&client.sent_applications().await?)
            } else {
                out(&client.received_applications().await?)
            }
        }
        FriendCmd::Delete { user } => {
            client.delete_friend(&uid(&user)?).await?;
            out(&json!({"deleted": user}))
        }
        FriendCmd::Remark { user, remark } => {
            client.set_remark(&uid(&user)?, &remark).await?;
            out(&json!({"remark": remark, "user": user}))
        }
        FriendCmd::Search { query } => out(&client.search_friends(&query).await?),
    }
}

/// Queues every message first (so all are in the outbox), then prints each outcome
/// as it arrives, one JSON message per line.
pub(crate) async fn send(
    client: &Client,
    to: &str,
    texts: Vec<String>,
    count: u32,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
) -> Result<(), Failure> {
    let conv = conv_of(client, to)?;
    // A set: `--count 100000` is answered by as many acks.
    let mut pending: HashSet<ClientMsgId> = HashSet::new();
    for text in &texts {
        for i in 1..=count.max(1) {
            let text = if count > 1 {
                format!("{text} #{i}")
            } else {
                text.clone()
            };
            let m = client.enqueue(&conv, Content::Text { text }, None).await?;
            pending.insert(m.client_id);
        }
    }
    print_outcomes(client, pending, events, timeout).await
}

/// Prints the outcome of each of my `pending` messages (queued or resent) as it
/// arrives, one JSON message per line; a refusal fails the command once all are in.
pub(crate) async fn print_outcomes(
    client: &Client,
    mut pending: HashSet<ClientMsgId>,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
) -> Result<(), Failure> {
    let mut refusal = None;
    let wait = async {
        while !pending.is_empty() {
            let (msg, err) = match events.recv().await {
                Ok(Event::MessageAcked { message }) => (message, None),
                Ok(Event::MessageFailed { message, error }) => (message, Some(error)),
                Ok(Event::KickedOffline { .. } | Event::TokenExpired { .. }) => {
                    return Err(Failure::Other("session ended".into()))
                }
                Err(broadcast::error::RecvError::Closed) => {
                    return Err(Failure::Client(Error::Closed))
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Events were dropped (this loop fell behind): what they said
                    // is in the cache.
                    for id in pending.clone() {
                        let Some(m) = client.message(&id).await? else {
                            continue;
                        };
                        match m.state {
                            DeliveryState::Sending => {}
                            DeliveryState::Failed => {
                                refusal =
                                    Some(m.error.clone().map_or(Error::Timeout, Error::Server));
                                pending.remove(&id);
                                out(&m)?;
                            }
                            _ => {
                                pending.remove(&id);
                                out(&m)?;
                            }
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            if !pending.remove(&msg.client_id) {
                continue;
            }
            out(&msg)?;
            if let Some(e) = err {
                refusal = Some(match e {
                    Some(we) => Error::Server(we),
                    None => Error::Timeout,
                });
            }
        }
        Ok(())
    };
    tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| Failure::Client(Error::Timeout))??;
    match refusal {
        Some(e) => Err(Failure::Client(e)),
        None => Ok(()),
    }
}
