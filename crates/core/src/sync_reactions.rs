//! Reactions reaching the cache: the `reactions` push, and the catch-up of a
//! conversation's reaction log for what a device missed while offline.

use std::sync::Arc;

use tern_proto::{cmd, reply, ConversationId, Reaction, Seq};

use crate::error::Result;
use crate::event::Event;
use crate::session::Shared;
use crate::store::reactions;
use crate::transport::Conn;

/// Most pages of one conversation's reaction log fetched in one catch-up.
const MAX_PAGES: usize = 100_000;

/// Stores a message's reactions; announces them when they changed.
pub(crate) async fn apply(
    sh: &Arc<Shared>,
    conv: &ConversationId,
    seq: Seq,
    list: Vec<Reaction>,
) -> Result<bool> {
    let (key, l) = (conv.clone(), list.clone());
    let changed = sh
        .db
        .call(move |c| reactions::set(c, &key, seq, &l))
        .await?;
    if changed {
        sh.emit(Event::ReactionsChanged {
            conv: conv.clone(),
            seq,
            reactions: list,
        });
    }
    Ok(changed)
}

/// The locally applied reaction version of `conv`.
pub(crate) async fn local_version(sh: &Arc<Shared>, conv: &ConversationId) -> Result<u64> {
    let key = conv.clone();
    sh.db.call(move |c| reactions::version(c, &key)).await
}

/// Applies `conv`'s reaction log from the locally known version up to `latest`.
pub(crate) async fn catch_up(
    sh: &Arc<Shared>,
    conn: &Conn,
    conv: &ConversationId,
    latest: u64,
) -> Result<()> {
    let mut since = local_version(sh, conv).await?;
    for _ in 0..MAX_PAGES {
        if since >= latest {
            break;
        }
        let page = cmd::Reactions {
            conv: conv.clone(),
            since,
            limit: Some(sh.page()),
        };
        let reply::ReactionLog {
            messages: entries,
            latest: server_latest,
        } = conn.call(page).await?;
        let fresh: Vec<_> = entries.into_iter().filter(|e| e.version > since).collect();
        let top = fresh
            .iter()
            .map(|e| e.version)
            .max()
            .unwrap_or(server_latest);
        for e in fresh {
            apply(sh, conv, e.seq, e.reactions).await?;
        }
        let key = conv.clone();
        sh.db
            .call(move |c| reactions::set_version(c, &key, top))
            .await?;
        if top <= since || top >= server_latest {
            break;
        }
        since = top;
    }
    Ok(())
}

/// Stores `conv`'s pins (from a push, a `pin` answer or `get_pins`); announces
/// them when they changed.
pub(crate) async fn apply_pins(
    sh: &Arc<Shared>,
    conv: &ConversationId,
    pins: Vec<tern_proto::Pin>,
    version: Option<u64>,
) -> Result<()> {
    let (key, l) = (conv.clone(), pins.clone());
    let changed = sh
        .db
        .call(move |c| reactions::set_pins(c, &key, &l, version))
        .await?;
    if changed {
        sh.emit(Event::PinsChanged {
            conv: conv.clone(),
            pins,
        });
    }
    Ok(())
}

/// The locally applied pin version of `conv`.
pub(crate) async fn local_pin_version(sh: &Arc<Shared>, conv: &ConversationId) -> Result<u64> {
    let key = conv.clone();
    sh.db.call(move |c| reactions::pin_version(c, &key)).await
}

/// Fetches `conv`'s pins when the server's pin version is above the local one.
pub(crate) async fn catch_up_pins(
    sh: &Arc<Shared>,
    conn: &Conn,
    conv: &ConversationId,
    latest: u64,
) -> Result<()> {
    if local_pin_version(sh, conv).await? >= latest {
        return Ok(());
    }
    let pins = conn.call(cmd::GetPins { conv: conv.clone() }).await?.pins;
    apply_pins(sh, conv, pins, Some(latest)).await
}
