//! Edits reaching the cache: the `edited` push, and the catch-up of a
//! conversation's edit log (`edits`) for what a device missed while offline.

use std::sync::Arc;

use tern_proto::{cmd, reply, ConversationId, Millis, Seq};

use crate::error::Result;
use crate::event::Event;
use crate::session::Shared;
use crate::store::edits;
use crate::transport::Conn;

/// Most pages of one conversation's edit log fetched in one catch-up.
const MAX_PAGES: usize = 100_000;

/// Applies one edit to the cache; announces it (and the conversation, whose
/// last message may be the edited one) when it changed something.
pub(crate) async fn apply(
    sh: &Arc<Shared>,
    conv: &ConversationId,
    seq: Seq,
    text: String,
    at: Millis,
) -> Result<bool> {
    let (key, t) = (conv.clone(), text.clone());
    let changed = sh
        .db
        .call(move |c| edits::apply(c, &key, seq, &t, at))
        .await?;
    if changed {
        sh.emit(Event::Edited {
            conv: conv.clone(),
            seq,
            text,
            edited_at: at,
        });
        sh.conv_changed(conv).await?;
    }
    Ok(changed)
}

/// The locally applied edit version of `conv`.
pub(crate) async fn local_version(sh: &Arc<Shared>, conv: &ConversationId) -> Result<u64> {
    let key = conv.clone();
    sh.db.call(move |c| edits::edit_version(c, &key)).await
}

/// Applies `conv`'s edit log from the locally known version up to `latest`.
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
        let page = cmd::Edits {
            conv: conv.clone(),
            since,
            limit: Some(sh.page()),
        };
        let reply::Edits {
            edits: entries,
            latest: server_latest,
        } = conn.call(page).await?;
        let fresh: Vec<_> = entries.into_iter().filter(|e| e.version > since).collect();
        let top = fresh
            .iter()
            .map(|e| e.version)
            .max()
            .unwrap_or(server_latest);
        for e in fresh {
            apply(sh, conv, e.seq, e.text, e.edited_at).await?;
        }
        let key = conv.clone();
        sh.db
            .call(move |c| edits::set_edit_version(c, &key, top))
            .await?;
        if top <= since || top >= server_latest {
            break;
        }
        since = top;
    }
    Ok(())
}
