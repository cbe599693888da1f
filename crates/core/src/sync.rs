//! Bringing the cache up to date: the change log (relations), conversations and their
//! missing message ranges, and the handling of each server push.

use std::sync::Arc;

use tern_proto::{
    cmd, reply, Change, ConversationId, ConversationInfo, ErrorCode, GroupId, Message, Millis,
    Profile, Push, RoomLeftReason, Seq, UserId,
};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::state::{missing_ranges, sync_start};
use crate::store::{
    conversations as convs, groups, messages as msgs, notices, preferences as prefs,
    relations as rel,
};
use crate::sync_edits;
use crate::sync_reactions;
use crate::transport::Conn;
use crate::types::LocalMessage;

/// Most pages fetched in one loop, so a misbehaving server cannot spin us forever.
const MAX_PAGES: usize = 100_000;

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
    let changes = sync_relations(sh, conn, handshake.map(|h| h.0)).await?;
    let messages = sync_messages(sh, conn).await?;
    sh.emit(Event::SyncFinished { messages, changes });
    Ok(())
}

/// The periodic catch-up check: the change log after the stored version,
/// then every conversation whose newest seq is past the local one (the
/// conversation list carries each one's `max_seq`, recall version and the
/// peer's read seq; conversations already up to date cost nothing more and
/// announce nothing). Quiet: no `SyncStarted`/`SyncFinished`.
pub(crate) async fn catch_up(sh: &Arc<Shared>, conn: &Conn) -> Result<()> {
    sync_relations(sh, conn, None).await?;
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
            pulled += sync_conv(sh, conn, info).await?;
        }
    }
    if pulled > 0 {
        tracing::info!(pulled, "catch-up check pulled messages no push had brought");
    }
    Ok(())
}

/// Applies the change log after the stored version. A device that has never synced
/// (version 0) takes a snapshot of every list instead of replaying history.
pub(crate) async fn sync_relations(
    sh: &Arc<Shared>,
    conn: &Conn,
    server_version: Option<u64>,
) -> Result<u64> {
    let _guard = sh.marks.applying().await;
    let mut version = sh.db.call(|c| rel::version(c)).await?;
    // What the cache held when this process first synced was announced before.
    sh.marks.announce_first(version);
    if version == 0 {
        if let Some(sv) = server_version.filter(|&v| v > 0) {
            snapshot(sh, conn, sv).await?;
            version = sv;
            sh.marks.announce(sv);
        }
    }
    // Entries another process sharing this cache applied after this one last
    // announced (e.g. while a push of ours was on its way here) are fetched again
    // to be announced here, not applied twice.
    let announced = sh.marks.announced();
    let mut since = if announced > 0 && announced < version {
        announced
    } else {
        version
    };
    let mut applied = 0;
    let mut joined = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = cmd::SyncChanges {
            since,
            limit: Some(sh.page()),
        };
        let (changes, latest) = match conn.call(page).await {
            Ok(reply::Changes { changes, latest }) => (changes, latest),
            // The server compacted the entries we would need: start again from a
            // snapshot at its latest version, then follow the log from there.
            Err(Error::Server(e)) if e.code == ErrorCode::SnapshotRequired => {
                let latest = latest_version(conn).await?;
                snapshot(sh, conn, latest).await?;
                version = latest;
                since = latest;
                // (The resync's `SyncFinished` makes apps reload their lists.)
                sh.marks.announce(latest);
                continue;
            }
            Err(e) => return Err(e),
        };
        let fresh: Vec<_> = changes.into_iter().filter(|c| c.version > since).collect();
        if fresh.is_empty() {
            break;
        }
        for vc in fresh {
            since = vc.version;
            if vc.version <= version {
                if sh.marks.announce(vc.version) {
                    let applied = effects(&sh.me, &vc.change);
                    announce(sh, vc.change, applied).await?;
                }
                continue;
            }
            version = vc.version;
            let joined_at = match &vc.change {
                Change::GroupJoined { member, .. } => Some(member.joined_at),
                _ => None,
            };
            if let Some(conv) = apply_change(sh, vc.change, version).await? {
                if let Some(at) = joined_at {
                    joined.retain(|(c, _)| c != &conv);
                    joined.push((conv, at));
                }
            }
            applied += 1;
        }
        if since >= latest {
            break;
        }
    }
    // Groups joined and still mine after this batch.
    let mut current = Vec::new();
    for (conv, at) in joined {
        if let ConversationId::Group(g) = &conv {
            let g = g.clone();
            if sh.db.call(move |c| groups::group(c, &g)).await?.is_some() {
                current.push((conv, at));
            }
        }
    }
    if !current.is_empty() {
        sync_joined(sh, conn, &current).await?;
    }
    Ok(applied)
}

/// The server's latest change-log version, without entries: `sync_changes`
/// from the highest version it accepts.
async fn latest_version(conn: &Conn) -> Result<u64> {
    let probe = cmd::SyncChanges {
        since: i64::MAX as u64,
        limit: Some(1),
    };
    Ok(conn.call(probe).await?.latest)
}

/// Takes every list from the server. The change-log version is stored last:
/// a snapshot cut short (the connection lost, the process closed — `tern-cli
/// login` exits right after logging in) leaves the cache at its old version,
/// so the next sync takes the whole snapshot again instead of following the
/// change log from a version whose settings and groups it never stored.
async fn snapshot(sh: &Arc<Shared>, conn: &Conn, version: u64) -> Result<()> {
    let friends = conn.call(cmd::GetFriends { users: None }).await?.friends;
    let mut apps = conn
        .call(cmd::ListReceivedApplications {})
        .await?
        .applications;
    let sent = conn.call(cmd::ListSentApplications {}).await?;
    apps.extend(sent.applications);
    let blocked = conn.call(cmd::ListBlocked {}).await?.users;
    sh.db
        .call(move |c| rel::replace_all(c, &friends, &apps, &blocked))
        .await?;
    crate::preferences::snapshot(sh, conn).await?;
    snapshot_groups(sh, conn).await?;
    sh.db.call(move |c| rel::set_version(c, version)).await
}

/// Takes the group list (and each group's members, so the member caches are complete)
/// from the server. A server without groups (`unknown command`) leaves it empty.
async fn snapshot_groups(sh: &Arc<Shared>, conn: &Conn) -> Result<()> {
    let list = match conn.call(cmd::GetGroups {}).await {
        Ok(reply::Groups { groups }) => groups,
        Err(Error::Server(e)) if e.code == ErrorCode::UnknownCommand => return Ok(()),
        Err(e) => return Err(e),
    };
    let l = list.clone();
    let removed = sh.db.call(move |c| groups::replace_groups(c, &l)).await?;
    for conv in removed {
        conv_removed(sh, &conv);
    }
    for g in list {
        let ask = cmd::GetGroupMembers {
            group: g.group.clone(),
        };
        let members = match conn.call(ask).await {
            Ok(reply::GroupMembers { members }) => members,
            // Left or dismissed meanwhile: the change log will say so.
            Err(Error::Server(_)) => continue,
            Err(e) => return Err(e),
        };
        let id = g.group.clone();
        sh.db
            .call(move |c| groups::replace_members(c, &id, &members))
            .await?;
        sh.conv_changed(&ConversationId::Group(g.group)).await?;
    }
    Ok(())
}

/// A conversation left the list (a group I am no longer in): announce it and drop
/// its unread count from the totals.
pub(crate) fn conv_removed(sh: &Arc<Shared>, conv: &ConversationId) {
    sh.emit(Event::ConversationRemoved { conv: conv.clone() });
    for e in sh.marks.drop_unread(conv) {
        sh.emit(e);
    }
}

/// Applies one entry and announces it; returns the group conversation it refreshed.
async fn apply_change(
    sh: &Arc<Shared>,
    change: Change,
    version: u64,
) -> Result<Option<ConversationId>> {
    let (ch, me) = (change.clone(), sh.me.clone());
    let applied = sh
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            // Before applying it, so a member who leaves is still named.
            notices::record(&tx, &ch, crate::store::now_ms())?;
            rel::apply_change(&tx, &ch)?;
            let settings_of = prefs::apply_change(&tx, &ch)?;
            let applied = groups::apply_change(&tx, &me, &ch)?;
            rel::set_version(&tx, version)?;
            tx.commit()?;
            Ok((applied, settings_of))
        })
        .await?;
    let (applied, settings_of) = applied;
    sh.marks.announce(version);
    if let Some(event) = settings_of {
        let conv = match &event {
            Event::ConvSettingsChanged { settings } => Some(settings.conv.clone()),
            _ => None,
        };
        sh.emit(event);
        if let Some(conv) = conv {
            // Pin, mute, archive, draft or cleared range changed: the summary did.
            sh.conv_changed(&conv).await?;
        }
    }
    announce(sh, change, applied).await
}

/// What an entry that another process sharing this cache already applied did to it,
/// for announcing it here too.
fn effects(me: &UserId, change: &Change) -> groups::Applied {
    let conv = |g: &GroupId| Some(ConversationId::Group(g.clone()));
    let mut out = groups::Applied::default();
    match change {
        Change::GroupJoined { group, .. } | Change::GroupInfoChanged { group, .. } => {
            out.refresh = conv(&group.group)
        }
        Change::GroupMemberLeft { group, user, .. } if user == me => out.removed = conv(group),
        Change::GroupDismissed { group, .. } => out.removed = conv(group),
        _ => {}
    }
    out
}

/// Raises the event for an applied entry (and refreshes or removes the group
/// conversation it touched); returns the group conversation it refreshed.
async fn announce(
    sh: &Arc<Shared>,
    change: Change,
    applied: groups::Applied,
) -> Result<Option<ConversationId>> {
    let event = match change {
        Change::FriendApplicationAdded { application } => Event::FriendApplicationAdded {
            application: Box::new(application),
        },
        Change::FriendApplicationAccepted { application } => Event::FriendApplicationAccepted {
            application: Box::new(application),
        },
        Change::FriendApplicationRefused { application } => Event::FriendApplicationRefused {
            application: Box::new(application),
        },
        Change::FriendAdded { friend } => Event::FriendAdded {
            friend: Box::new(friend),
        },
        Change::FriendDeleted { user } => Event::FriendDeleted { user },
        Change::FriendInfoChanged { friend } => Event::FriendInfoChanged {
            friend: Box::new(friend),
        },
        Change::BlackAdded { user } => Event::BlackAdded { user },
        Change::BlackDeleted { user } => Event::BlackDeleted { user },
        Change::ProfileChanged { profile } => Event::ProfileChanged {
            profile: Box::new(profile),
        },
        c @ (Change::GroupJoined { .. }
        | Change::GroupMemberJoined { .. }
        | Change::GroupMemberLeft { .. }
        | Change::GroupInfoChanged { .. }
        | Change::GroupRoleChanged { .. }
        | Change::GroupMemberMuted { .. }
        | Change::GroupDismissed { .. }
        | Change::GroupApplicationAdded { .. }
        | Change::GroupApplicationHandled { .. }) => Event::GroupChanged(Box::new(c)),
        _ => return Ok(None),
    };
    let blacklist_changed = matches!(event, Event::BlackAdded { .. } | Event::BlackDeleted { .. });
    sh.emit(event);
    if blacklist_changed {
        // Group messages of a user I (un)blocked disappear (reappear): every group
        // conversation's last message and unread count may have changed.
        for conv in sh.db.call(|c| convs::group_convs(c)).await? {
            sh.conv_changed(&conv).await?;
        }
    }
    if let Some(conv) = &applied.refresh {
        sh.conv_changed(conv).await?;
    }
    if let Some(conv) = applied.removed {
        conv_removed(sh, &conv);
    }
    Ok(applied.refresh)
}

/// Conversations a sync brings up to date at once. One at a time, the database
/// thread sat idle half the time, waiting for each conversation's first page and
/// catch-up answers (tern-bench C2, 100,000 messages in 50 chats: 1.33 s; 4 at
/// once: 1.04 s; 8: 0.99 s). Each holds at most two pages in memory.
const SYNC_CONVS_AT_ONCE: usize = 4;

/// Asks for the conversation list and pulls whatever each conversation is missing,
/// [`SYNC_CONVS_AT_ONCE`] conversations at a time.
async fn sync_messages(sh: &Arc<Shared>, conn: &Conn) -> Result<u64> {
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
async fn sync_joined(
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
async fn sync_conv(sh: &Arc<Shared>, conn: &Conn, info: ConversationInfo) -> Result<u64> {
    let news = sh.config.live_since.map_or(News::Backlog, News::SentFrom);
    sync_conv_as(sh, conn, info, news).await
}

/// [`sync_conv`], announcing what it pulls as `news`.
async fn sync_conv_as(
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
pub(crate) async fn fill(
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

/// Handles one push (all but `Kicked`, which the supervisor handles).
pub(crate) async fn handle_push(sh: &Arc<Shared>, conn: &Conn, push: Push) -> Result<()> {
    match push {
        Push::Message { message } => {
            let conv = message.conv.clone();
            let seq = message.seq.0;
            store_batch(sh, vec![message], News::Live).await?;
            // A seq beyond the synced one plus one reveals a gap: pull it.
            fill(sh, conn, &conv, seq, News::Live).await?;
            sh.conv_changed(&conv).await?;
        }
        Push::Change(vc) => {
            // Under the lock: an entry being applied by an API call is announced there.
            let guard = sh.marks.applying().await;
            let version = sh.db.call(|c| rel::version(c)).await?;
            if vc.version > version {
                drop(guard);
                sync_relations(sh, conn, None).await?;
            } else if sh.marks.announce(vc.version) {
                // Another process sharing this cache (a second `tern-cli` of the same
                // data dir) applied it first: announce it here all the same.
                let applied = effects(&sh.me, &vc.change);
                announce(sh, vc.change, applied).await?;
            }
        }
        Push::Read { conv, user, seq } => {
            let peer = user != sh.me;
            let key = conv.clone();
            sh.db
                .call(move |c| convs::set_read(c, &key, seq, peer))
                .await?;
            sh.emit(Event::ReadReceipt {
                conv: conv.clone(),
                user,
                seq,
            });
            sh.conv_changed(&conv).await?;
        }
        Push::Recalled { conv, seq, by, at } => {
            let (me, key, who) = (sh.me.clone(), conv.clone(), by.clone());
            let changed = sh
                .db
                .call(move |c| msgs::recall(c, &me, &key, seq, &who, at))
                .await?;
            if changed.is_some() {
                sh.emit(Event::Recalled {
                    conv: conv.clone(),
                    seq,
                    by,
                    at,
                });
                sh.conv_changed(&conv).await?;
            }
        }
        Push::Edited {
            conv,
            seq,
            text,
            edited_at,
        } => {
            sync_edits::apply(sh, &conv, seq, text, edited_at).await?;
        }
        Push::Reactions {
            conv,
            seq,
            reactions,
        } => {
            sync_reactions::apply(sh, &conv, seq, reactions).await?;
        }
        Push::Pins { conv, pins } => {
            sync_reactions::apply_pins(sh, &conv, pins, None).await?;
        }
        Push::Typing { conv, user } => sh.emit(Event::Typing { conv, user }),
        Push::Presence { user, online } => sh.emit(Event::Presence { user, online }),
        Push::RoomMessage { message } => sh.emit(Event::RoomMessage {
            message: Box::new(message),
        }),
        Push::RoomLeft {
            room,
            reason: RoomLeftReason::Dropped,
            banned_until,
        } if sh.marks.in_room(&room) => {
            // A grace-period drop reaching a connected session crossed its
            // rejoin after a reconnect (the server decided while I was away):
            // join again, so the server and this list agree whichever came
            // first. Only a refusal takes the room off the list.
            match conn.call(cmd::JoinRoom { room: room.clone() }).await {
                Ok(_) => {}
                Err(e) if e.is_transient() => {}
                Err(e) => {
                    tracing::info!(%room, error = %e, "could not rejoin a room after a drop");
                    sh.marks.left(&room);
                    sh.emit(Event::RoomLeft {
                        room,
                        reason: RoomLeftReason::Dropped,
                        banned_until,
                    });
                }
            }
        }
        Push::RoomLeft {
            room,
            reason,
            banned_until,
        } => {
            sh.marks.left(&room);
            sh.emit(Event::RoomLeft {
                room,
                reason,
                banned_until,
            });
        }
        Push::Kicked { .. } => {}
        _ => {}
    }
    Ok(())
}
