//! The change log: friends, applications, the blacklist, settings and groups, applied
//! in order (or taken whole as a snapshot) and announced as events.

use std::sync::Arc;

use tern_proto::{cmd, reply, Change, ConversationId, ErrorCode, GroupId, UserId};

use super::messages::{sync_joined, MAX_PAGES};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Shared;
use crate::store::{
    conversations as convs, groups, notices, preferences as prefs, relations as rel,
};
use crate::transport::Conn;

/// What [`sync_relations`] does with the conversations of groups the change log
/// says I joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Joined {
    /// Pulls them at once; a message sent since the join is live news (it raced
    /// the join's push): a join learned while connected.
    PullNow,
    /// Leaves them to the pull of every conversation that follows in a resync:
    /// joined while this device was away, so what was sent since is backlog like
    /// every other conversation's (not notified) and counted in `SyncFinished`.
    ByResync,
}

/// Applies the change log after the stored version. A device that has never synced
/// (version 0) takes a snapshot of every list instead of replaying history.
pub(crate) async fn sync_relations(
    sh: &Arc<Shared>,
    conn: &Conn,
    server_version: Option<u64>,
    joined_groups: Joined,
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
    if !current.is_empty() && joined_groups == Joined::PullNow {
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
fn conv_removed(sh: &Arc<Shared>, conv: &ConversationId) {
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
pub(super) fn effects(me: &UserId, change: &Change) -> groups::Applied {
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
pub(super) async fn announce(
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
