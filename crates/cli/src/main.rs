//! `tern-cli`: a headless Tern user on top of tern-core, for tests, demos and scripts.
//!
//! Output is machine-readable: every result is JSON on stdout (`listen` prints one
//! event per line). Failures exit non-zero with a JSON error on stderr:
//! exit 3 = the server refused (its error code is in the JSON), 4 = offline or timed
//! out, 5 = `listen` stopped because the session ended (kicked, token expired),
//! 6 = the server's TLS certificate was refused (`problem` in the JSON; `--ca-cert`),
//! 2 = bad usage (clap's, or an id or value the CLI cannot read), 1 = anything else.

mod args;
mod commands;
mod files;
mod forward;
mod groups;
mod listen;
mod output;
mod prefs;
mod rooms;
mod session;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use serde_json::json;
use tern_core::proto::Seq;
use tern_core::{Client, ClientConfig, Error, Event};
use tokio::sync::broadcast;

use args::{Cli, Command};
use output::{out, report, Failure};
use session::{conv_of, resume, save, session_path, uid, Saved};

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return report(Failure::Other(e.to_string())),
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => report(f),
    }
}

/// Runs one command: `register`, `login` and `listen` on their own, every other
/// one after resuming the saved session and its first sync.
async fn run(cli: Cli) -> Result<(), Failure> {
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
        Command::Listen => return listen::run(&client, &cli.data_dir).await,
        _ => {}
    }
    let mut events = client.subscribe();
    resume(&client, &cli.data_dir).await?;
    let cache_will_do = cli.command.reads_cache();
    commands::wait_synced(&client, &mut events, timeout, cache_will_do).await?;
    let result = dispatch(&client, cli.command, &mut events, timeout, &cli.data_dir).await;
    client.close().await;
    result
}

/// Runs a command that needs the resumed session.
async fn dispatch(
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
        } => commands::profile(client, nickname, signature, avatar).await,
        Command::Avatar { user } => commands::avatar(client, &user).await,
        Command::Users { query } => out(&client.search_users(&query).await?),
        Command::Friend { cmd } => commands::friend(client, cmd).await,
        Command::Group { cmd } => groups::run(client, cmd).await,
        Command::Room { cmd } => rooms::run(client, cmd, events).await,
        Command::Conv { cmd } => prefs::conv(client, cmd).await,
        Command::Settings { cmd } => prefs::settings(client, cmd).await,
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
                commands::send(client, &to, texts, count, events, timeout).await
            } else {
                forward::send_mentioning(client, &to, &texts, &mention, mention_all).await
            }
        }
        Command::Forward {
            from,
            seqs,
            to,
            merged,
            title,
        } => forward::forward(client, &from, &seqs, &to, merged, title).await,
        Command::SendFile { to, path, progress } => {
            files::send_file(client, &to, &path, progress, events, timeout).await
        }
        Command::Download {
            with,
            seq,
            file,
            out,
        } => {
            files::download(
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
        Command::Resend { client_id } => {
            let id = tern_core::proto::ClientMsgId::new(client_id)?;
            client.resend(&id).await?;
            let pending = std::collections::HashSet::from([id]);
            commands::print_outcomes(client, pending, events, timeout).await
        }
        Command::DeleteFailed { client_id } => {
            let id = tern_core::proto::ClientMsgId::new(client_id)?;
            client.delete_failed(&id).await?;
            out(&json!({"deleted": id}))
        }
        Command::Register { .. } | Command::Login { .. } | Command::Listen => Ok(()),
    }
}
