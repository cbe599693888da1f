//! Each command: restore the saved session, do one thing, print JSON.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use tern_core::proto::{ClientMsgId, Content, Seq};
use tern_core::{Client, ClientConfig, Error, Event, ProfileUpdate};
use tokio::sync::broadcast;

use crate::io::{conv_of, out, resume, save, session_path, uid, Saved};
use crate::{Cli, Command, Failure, FriendCmd};

pub async fn run(cli: Cli) -> Result<(), Failure> {
    // Owner-only (0700) when created here; the account caches inside are 0700 anyway.
    tern_core::private_fs::create_private_dir_all(&cli.data_dir)?;
    let mut config = ClientConfig::new(&cli.data_dir, &cli.server);
    config.extra_ca_pem = cli.ca_cert.clone();
    config.fallback_urls = cli.fallback_servers.clone();
    let client = Client::new(config)?;
    let timeout = Duration::from_secs(cli.timeout);
    match cli.command {
        Command::Register { user, password } => {
            client.register(&uid(&user)?, &password).await?;
            return out(&json!({"registered": user}));
        }
        Command::Login { user, password } => {
            let s = client.login(&uid(&user)?, &password).await?;
            let saved = Saved {
                user: s.user.clone(),
                token: s.token.clone(),
            };
            save(&session_path(&cli.data_dir), &serde_json::to_vec(&saved)?)?;
            client.close().await;
            return out(&s);
        }
        Command::Listen => return crate::listen::run(&client, &cli.data_dir).await,
        _ => {}
    }
    let mut events = client.subscribe();
    resume(&client, &cli.data_dir).await?;
    wait_synced(&client, &mut events, timeout).await?;
    let result = command(&client, cli.command, &mut events, timeout, &cli.data_dir).await;
    client.close().await;
    result
}

/// Waits for the first sync after login (the connection may need retries).
async fn wait_synced(
    client: &Client,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
) -> Result<(), Failure> {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(Event::SyncFinished { .. }) => return Ok(()),
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
    tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| Failure::Client(Error::Offline("server unreachable".into())))?
}

async fn command(
    client: &Client,
    cmd: Command,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
    dir: &Path,
) -> Result<(), Failure> {
    match cmd {
        Command::Logout => {
            client.logout().await?;
            let _ = std::fs::remove_file(session_path(dir));
            out(&json!({"logged_out": true}))
        }
        Command::Whoami => out(&json!({"user": client.user(), "device": client.device()})),
        Command::Passwd { old, new } => {
            client.change_password(&old, &new).await?;
            out(&json!({"password_changed": true}))
        }
        Command::SignOutOthers => {
            client.sign_out_others().await?;
            out(&json!({"signed_out_others": true}))
        }
        Command::Profile {
            nickname,
            signature,
            avatar,
        } => {
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
        Command::Avatar { user } => {
            let profile = client
                .get_profiles(&[uid(&user)?])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| Failure::Other(format!("no user {user}")))?;
            let Some(id) = profile.avatar else {
                return out(&json!({"user": user, "avatar": null}));
            };
            let a = client.avatar(&id).await?;
            let bytes = std::fs::read(&a.path).map_err(|e| Failure::Other(e.to_string()))?;
            use sha2::Digest;
            out(
                &json!({"user": user, "avatar": id, "path": a.path, "mime": a.mime,
                "bytes": bytes.len(), "sha256": hex::encode(sha2::Sha256::digest(&bytes))}),
            )
        }
        Command::Users { query } => out(&client.search_users(&query).await?),
        Command::Friend { cmd } => friend(client, cmd).await,
        Command::Group { cmd } => crate::groups::run(client, cmd).await,
        Command::Room { cmd } => crate::rooms::run(client, cmd, events).await,
        Command::Conv { cmd } => crate::prefs::conv(client, cmd).await,
        Command::Settings { cmd } => crate::prefs::settings(client, cmd).await,
        Command::Block { user } => {
            client.block(&uid(&user)?).await?;
            out(&json!({"blocked": user}))
        }
        Command::Unblock { user } => {
            client.unblock(&uid(&user)?).await?;
            out(&json!({"unblocked": user}))
        }
        Command::Blocked => out(&client.blocked().await?),
        Command::Send {
            to,
            texts,
            count,
            mention,
            mention_all,
        } => {
            if mention.is_empty() && !mention_all {
                send(client, &to, texts, count, events, timeout).await
            } else {
                crate::forward::send_mentioning(client, &to, &texts, &mention, mention_all).await
            }
        }
        Command::Forward {
            from,
            seqs,
            to,
            merged,
            title,
        } => crate::forward::forward(client, &from, &seqs, &to, merged, title).await,
        Command::SendFile { to, path, progress } => {
            crate::files::send_file(client, &to, &path, progress, events, timeout).await
        }
        Command::Download {
            with,
            seq,
            file,
            out,
        } => {
            crate::files::download(
                client,
                with.as_deref(),
                seq,
                file.as_deref(),
                out.as_deref(),
            )
            .await
        }
        Command::History {
            with,
            before,
            limit,
        } => {
            let conv = conv_of(client, &with)?;
            out(&client.messages(&conv, before.map(Seq), limit).await?)
        }
        Command::Search {
            query,
            page,
            page_size,
        } => out(&client.search(&query, page, page_size).await?),
        Command::Conversations => out(&client.conversations().await?),
        Command::Read { with } => {
            let conv = conv_of(client, &with)?;
            client.mark_read(&conv).await?;
            out(&client.conversation(&conv).await?)
        }
        Command::Recall { with, seq } => {
            client.recall(&conv_of(client, &with)?, Seq(seq)).await?;
            out(&json!({"recalled": seq}))
        }
        Command::Edit { with, seq, text } => {
            let conv = conv_of(client, &with)?;
            let edited_at = client.edit(&conv, Seq(seq), &text).await?;
            out(&json!({"conv": conv, "seq": seq, "text": text, "edited_at": edited_at}))
        }
        Command::Reply {
            with,
            seq,
            text,
            mention,
            mention_all,
        } => {
            let conv = conv_of(client, &with)?;
            if mention.is_empty() && !mention_all {
                out(&client.send_reply(&conv, &text, Seq(seq)).await?)
            } else {
                let mentions = crate::forward::mentions(&mention, mention_all)?;
                out(&client
                    .send_reply_mentioning(&conv, &text, Seq(seq), mentions)
                    .await?)
            }
        }
        Command::Quote { with, seq } => {
            let conv = conv_of(client, &with)?;
            out(&client.quote(&conv, Seq(seq)).await?)
        }
        Command::React {
            with,
            seq,
            emoji,
            off,
        } => {
            let conv = conv_of(client, &with)?;
            let reactions = client.react(&conv, Seq(seq), &emoji, !off).await?;
            out(&json!({"conv": conv, "seq": seq, "reactions": reactions}))
        }
        Command::Reactions { with, seq } => {
            let conv = conv_of(client, &with)?;
            let reactions = client.reactions(&conv, Seq(seq)).await?;
            out(&json!({"conv": conv, "seq": seq, "reactions": reactions}))
        }
        Command::Pin { with, seq, off } => {
            let conv = conv_of(client, &with)?;
            let pins = client.pin(&conv, Seq(seq), !off).await?;
            out(&json!({"conv": conv, "pins": pins}))
        }
        Command::ReadBy {
            with,
            seq,
            after,
            limit,
        } => {
            let conv = conv_of(client, &with)?;
            let after = after.as_deref().map(uid).transpose()?;
            out(&client
                .read_by(&conv, Seq(seq), after.as_ref(), limit)
                .await?)
        }
        Command::Pins { with } => {
            let conv = conv_of(client, &with)?;
            let pins = client.pins(&conv).await?;
            out(&json!({"conv": conv, "pins": pins}))
        }
        Command::Typing { with } => {
            client.typing(&conv_of(client, &with)?).await?;
            out(&json!({"typing": true}))
        }
        Command::Sync => {
            let done = client.flush(timeout).await?;
            let left = client.outbox().await?;
            out(&json!({"flushed": done, "outbox": left}))?;
            if done {
                Ok(())
            } else {
                Err(Failure::Client(Error::Timeout))
            }
        }
        Command::Register { .. } | Command::Login { .. } | Command::Listen => Ok(()),
    }
}

async fn friend(client: &Client, cmd: FriendCmd) -> Result<(), Failure> {
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
async fn send(
    client: &Client,
    to: &str,
    texts: Vec<String>,
    count: u32,
    events: &mut broadcast::Receiver<Event>,
    timeout: Duration,
) -> Result<(), Failure> {
    let conv = conv_of(client, to)?;
    let mut pending: Vec<ClientMsgId> = Vec::new();
    for text in &texts {
        for i in 1..=count.max(1) {
            let text = if count > 1 {
                format!("{text} #{i}")
            } else {
                text.clone()
            };
            let m = client.enqueue(&conv, Content::Text { text }, None).await?;
            pending.push(m.client_id);
        }
    }
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
                _ => continue,
            };
            let Some(pos) = pending.iter().position(|id| id == &msg.client_id) else {
                continue;
            };
            pending.remove(pos);
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
