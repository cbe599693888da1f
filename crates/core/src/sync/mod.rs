//! Bringing the cache up to date: the change log (relations), conversations and their
//! missing message ranges, and the handling of each server push.

mod messages;
mod push;
mod relations;

use std::sync::Arc;

use tern_proto::{cmd, Millis, Profile};

use crate::error::Result;
use crate::event::Event;
use crate::session::Shared;
use crate::store::{conversations as convs, relations as rel};
use crate::sync_edits;
use crate::sync_reactions;
use crate::transport::Conn;
pub(crate) use messages::{store_batch, News};
use messages::{sync_conv_as, sync_messages};
pub(crate) use push::handle_push;
pub(crate) use relations::{sync_relations, Joined};

/// A full resync: relations, then every conversation's missing messages.
/// `handshake` is the (change version, profile) from a fresh login/resume.
pub(crate) async fn resync(
    sh: &Arc<Shared>,
    conn: &Conn,
    handshake: Option<(u64, Profile)>,
) -> Result<()> {
    sh.emit(Event::SyncStarted);
    if let Some((_, profile)) = &handshake {
        let p = profile.clone();
        sh.db.call(move |c| rel::set_my_profile(c, &p)).await?;
    }
    let changes = sync_relations(sh, conn, handshake.map(|h| h.0), Joined::ByResync).await?;
    let messages = sync_messages(sh, conn).await?;
    sh.emit(Event::SyncFinished { messages, changes });
    Ok(())
}

/// The periodic catch-up check: the change log after the stored version,
/// then every conversation whose newest seq is past the local one (the
/// conversation list carries each one's `max_seq`, recall version and the
/// peer's read seq; conversations already up to date cost nothing more and
/// announce nothing). Quiet: no `SyncStarted`/`SyncFinished`. A message it pulls
/// that was sent at or after `live_from` (when this connection had synced) is
/// announced live — its push was lost (e.g. between cluster nodes), so it is
/// notified like any other — an older one as backlog.
pub(crate) async fn catch_up(sh: &Arc<Shared>, conn: &Conn, live_from: Millis) -> Result<()> {
    sync_relations(sh, conn, None, Joined::PullNow).await?;
    let convs = conn.call(cmd::Conversations {}).await?.conversations;
    let mut pulled = 0;
    for info in convs {
        let key = info.conv.clone();
        let (max, _, peer_read, _) = sh.db.call(move |c| convs::conv_seqs(c, &key)).await?;
        let key = info.conv.clone();
        let recalls = sh.db.call(move |c| convs::recall_version(c, &key)).await?;
        let edits = sync_edits::local_version(sh, &info.conv).await?;
        let reactions = sync_reactions::local_version(sh, &info.conv).await?;
        let pins = sync_reactions::local_pin_version(sh, &info.conv).await?;
        let behind = info.max_seq.0 > max
            || info.recall_version > recalls
            || info.edit_version > edits
            || info.reaction_version > reactions
            || info.pin_version > pins
            || info.peer_read_seq.0 > peer_read;
        if behind {
            pulled += sync_conv_as(sh, conn, info, News::SentFrom(live_from)).await?;
        }
    }
    if pulled > 0 {
        tracing::info!(pulled, "catch-up check pulled messages no push had brought");
    }
    Ok(())
}
