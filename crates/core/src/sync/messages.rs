//! Messages: each conversation's missing seq ranges pulled in pages and stored, its
//! recall log applied, and what was new announced.

use std::sync::Arc;

use tern_proto::{cmd, reply, ConversationId, ConversationInfo, Message, Millis, Seq};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::state::{missing_ranges, sync_start};
use crate::store::{conversations as convs, messages as msgs};
use crate::sync_edits;
use crate::sync_reactions;
use crate::transport::Conn;
use crate::types::LocalMessage;

/// Most pages fetched in one loop, so a misbehaving server cannot spin us forever.
pub(super) const MAX_PAGES: usize = 100_000;

/// Conversations a sync brings up to date at once. One at a time, the database
/// thread sat idle half the time, waiting for each conversation's first page and
/// catch-up answers (tern-bench C2, 100,000 messages in 50 chats: 1.33 s; 4 at
/// once: 1.04 s; 8: 0.99 s). Each holds at most two pages in memory.
const SYNC_CONVS_AT_ONCE: usize = 4;

/// Asks for the conversation list and pulls whatever each conversation is missing,
/// [`SYNC_CONVS_AT_ONCE`] conversations at a time.
pub(super) async fn sync_messages(sh: &Arc<Shared>, conn: &Conn) -> Result<u64> {
    use futures_util::{StreamExt, TryStreamExt};
    let convs = conn.call(cmd::Conversations {}).await?.conversations;
    futures_util::stream::iter(convs)
        .map(|info| sync_conv(sh, conn, info))
        .buffer_unordered(SYNC_CONVS_AT_ONCE)
        .try_fold(0, |sum, n| async move { Ok(sum + n) })
        .await
}

/// Brings the conversations of groups I just joined up to date at once (not only at
/// the next resync): their seqs and my read seq (a new member starts reading at the
/// group's current end) and the newest window of their history. `joined` pairs each
/// conversation with when I joined: a message sent since then that this pull
/// brings (it raced the join's push) is live news, not history.
pub(super) async fn sync_joined(
    sh: &Arc<Shared>,
    conn: &Conn,
    joined: &[(ConversationId, Millis)],
) -> Result<()> {
    let convs = conn.call(cmd::Conversations {}).await?.conversations;
    for info in convs {
        if let Some((_, at)) = joined.iter().find(|(c, _)| c == &info.conv) {
            sync_conv_as(sh, conn, info, News::SentFrom(*at)).await?;
        }
    }
    Ok(())
}

/// Merges the server's view of one conversation, pulls what it is missing (a fresh
/// one: the newest window), applies its recall log and announces it.
/// What it pulls is backlog, except messages sent since the config's `live_since`.
pub(super) async fn sync_conv(
    sh: &Arc<Shared>,
    conn: &Conn,
    info: ConversationInfo,
) -> Result<u64> {
    let news = sh.config.live_since.map_or(News::Backlog, News::SentFrom);
    sync_conv_as(sh, conn, info, news).await
}

/// [`sync_conv`], announcing what it pulls as `news`.
pub(super) async fn sync_conv_as(
    sh: &Arc<Shared>,
    conn: &Conn,
    info: ConversationInfo,
    news: News,
) -> Result<u64> {
    let window = sh.config.connection.initial_sync_window;
    let conv = info.conv.clone();
    let server_max = info.max_seq.0;
    let server_recalls = info.recall_version;
    let server_edits = info.edit_version;
    let server_reactions = info.reaction_version;
    let server_pins = info.pin_version;
    // Messages from before I joined a group that hides its history are never
    // served: syncing starts after them (no gap to fill there).
    let hidden = info.visible_from.0;
    let peer_read = sh
        .db
        .call(move |c| {
            let moved = convs::merge_server_conv(c, &info)?;
            let (_, _, _, synced) = convs::conv_seqs(c, &info.conv)?;
            let start = sync_start(synced, server_max, window).max(hidden);
            convs::advance_synced(c, &info.conv, start)?;
            Ok(moved)
        })
        .await?;
    let pulled = match fill(sh, conn, &conv, server_max, news).await {
        Ok(n) => n,
        // A group I am no longer in (the change log says so): not an error of the sync.
        Err(Error::Server(e)) if matches!(conv, ConversationId::Group(_)) => {
            tracing::warn!(%conv, error = %e, "group history refused");
            return Ok(0);
        }
        Err(e) => return Err(e),
    };
    // Read receipts the peer sent while this device was offline.
    if let (Some(seq), Some(peer)) = (peer_read, conv.peer_of(&sh.me)) {
        sh.emit(Event::ReadReceipt {
            conv: conv.clone(),
            user: peer.clone(),
            seq,
        });
    }
    sync_recalls(sh, conn, &conv, server_recalls).await?;
    sync_edits::catch_up(sh, conn, &conv, server_edits).await?;
    sync_reactions::catch_up(sh, conn, &conv, server_reactions).await?;
    sync_reactions::catch_up_pins(sh, conn, &conv, server_pins).await?;
    sh.conv_changed(&conv).await?;
    Ok(pulled)
}

/// Applies `conv`'s recall log from the locally known version up to `latest`:
/// cached messages recalled while this device was offline become tombstones.
async fn sync_recalls(
    sh: &Arc<Shared>,
    conn: &Conn,
    conv: &ConversationId,
    latest: u64,
) -> Result<()> {
    let key = conv.clone();
    let mut since = sh.db.call(move |c| convs::recall_version(c, &key)).await?;
    for _ in 0..MAX_PAGES {
        if since >= latest {
            break;
        }
        let page = cmd::Recalls {
            conv: conv.clone(),
            since,
            limit: Some(sh.page()),
        };
        let reply::Recalls {
            recalls,
            latest: server_latest,
        } = conn.call(page).await?;
        let fresh: Vec<_> = recalls.into_iter().filter(|r| r.version > since).collect();
        let Some(top) = fresh.iter().map(|r| r.version).max() else {
            break;
        };
        for r in fresh {
            let (me, key, by) = (sh.me.clone(), conv.clone(), r.by.clone());
            let changed = sh
                .db
                .call(move |c| msgs::recall(c, &me, &key, r.seq, &by, r.at))
                .await?;
            if changed.is_some() {
                sh.emit(Event::Recalled {
                    conv: conv.clone(),
                    seq: r.seq,
                    by: r.by,
                    at: r.at,
                });
            }
        }
        since = top;
        let key = conv.clone();
        sh.db
            .call(move |c| convs::set_recall_version(c, &key, top))
            .await?;
        if since >= server_latest {
            break;
        }
    }
    Ok(())
}

/// Pulls every message of `conv` missing between the synced seq and `upto`, in pages;
/// announces new ones. Returns how many were new.
pub(super) async fn fill(
    sh: &Arc<Shared>,
    conn: &Conn,
    conv: &ConversationId,
    upto: u64,
    news: News,
) -> Result<u64> {
    let page = sh.page();
    let key = conv.clone();
    let ranges = sh
        .db
        .call(move |c| {
            let synced = convs::advance_synced(c, &key, 0)?;
            let present = convs::present_seqs(c, &key, synced, upto)?;
            Ok(missing_ranges(synced, &present, upto, page as u64))
        })
        .await?;
    let pull = |from: u64, to: u64| {
        let req = cmd::Pull {
            conv: conv.clone(),
            from: Seq(from),
            to: Seq(to),
            limit: Some(page),
        };
        async move { conn.call(req).await.map(|r| r.messages) }
    };
    let mut new = 0;
    for (from, to) in ranges {
        if from > to {
            continue;
        }
        // The next page is requested while this one is stored, so the server's and
        // our work overlap; pages are still stored one after another, in order.
        let mut batch = pull(from, to).await?;
        for _ in 0..MAX_PAGES {
            let Some(last) = batch.iter().map(|m| m.seq.0).max() else {
                break;
            };
            let next = last + 1;
            if next > to {
                new += store_batch(sh, batch, news).await?;
                break;
            }
            let (stored, following) = tokio::join!(store_batch(sh, batch, news), pull(next, to));
            new += stored?;
            batch = following?;
        }
    }
    let key = conv.clone();
    sh.db
        .call(move |c| convs::advance_synced(c, &key, 0))
        .await?;
    Ok(new)
}

/// How new messages stored from the server are announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum News {
    /// Not at all: older history pages fetched on demand.
    Not,
    /// `NewMessage` with `live: false`: a catch-up's backlog (not notified).
    Backlog,
    /// `NewMessage` with `live: true`: pushed as it was sent.
    Live,
    /// Live if sent at or after this time, else backlog: a group's catch-up
    /// right after I joined it at that time.
    SentFrom(Millis),
}

impl News {
    /// `Some(live)` for the `NewMessage` of `m`, `None` for no event.
    fn live(self, m: &LocalMessage) -> Option<bool> {
        match self {
            News::Not => None,
            News::Backlog => Some(false),
            News::Live => Some(true),
            News::SentFrom(at) => Some(m.sent_at >= at),
        }
    }
}

/// Stores messages from the server and raises the events they call for: acks of our
/// own pending messages always; `NewMessage` for new ones as `news` says.
pub(crate) async fn store_batch(sh: &Arc<Shared>, batch: Vec<Message>, news: News) -> Result<u64> {
    let me = sh.me.clone();
    let stored = sh
        .db
        .call(move |c| msgs::store_server_messages(c, &me, &batch))
        .await?;
    let mut new = 0;
    for s in stored {
        if s.was_pending {
            let acked = sh.sending.queue().acked(&s.message.client_id);
            sh.sending
                .resolve(&s.message.client_id, Ok(s.message.clone()));
            if acked {
                sh.emit(Event::MessageAcked {
                    message: Box::new(s.message),
                });
            }
        } else if s.inserted {
            new += 1;
            // A group message from a user I blocked is kept but not news.
            if s.hidden {
                continue;
            }
            if let Some(live) = news.live(&s.message) {
                sh.emit(Event::NewMessage {
                    message: Box::new(s.message),
                    live,
                });
            }
        }
    }
    Ok(new)
}
