//! Who is online: a connection joining and leaving this node, and presence
//! lookups. On a single node the hub answers; in a cluster the registry in
//! PostgreSQL does ([`crate::cluster`]), so a user is online while connected
//! to any live node and goes offline for their friends when their last
//! connection anywhere ends (or its node dies).

use std::sync::Arc;

use tern_proto::UserId;

use crate::hub::{ConnEntry, ConnId};
use crate::presence_gate::Step;
use crate::state::Shared;

/// Registers a logged-in connection of `user` on this node (in a cluster:
/// subscribes to the user's bus subject and records the connection, before
/// returning). Returns true when the user just came online on this node.
pub async fn join(s: &Arc<Shared>, user: &UserId, entry: ConnEntry) -> bool {
    let recorded = entry.clone();
    let first_here = s.hub.register(user, entry);
    super::rooms::connected(s, user);
    if let Some(cluster) = &s.cluster {
        cluster.connected(user, &recorded).await;
    }
    first_here
}

/// Announces `user` online to their friends (after a successful login).
pub fn came_online(s: &Arc<Shared>, user: &UserId) {
    s.metrics.logins.inc();
    announce(s, user.clone());
}

/// Takes a connection of `user` out of this node; with `announce_offline`,
/// tells their friends when it was their last connection (on any node).
/// Without it (a login refused after [`join`]) only when a presence
/// announcement of theirs may have counted this connection meanwhile (one
/// made or waiting within the last gap), so that it is not left standing.
pub async fn leave(s: &Arc<Shared>, user: &UserId, conn: ConnId, announce_offline: bool) {
    let last_here = s.hub.unregister(user, conn);
    let gone = match &s.cluster {
        Some(cluster) => cluster.disconnected(user, conn, last_here).await,
        None => last_here,
    };
    if gone {
        super::rooms::disconnected(s, user);
    }
    if gone && (announce_offline || s.presence.knows(user)) {
        announce(s, user.clone());
    }
}

/// Those of `users` that are online (on any live node).
pub async fn online_among(s: &Shared, users: Vec<UserId>) -> Vec<UserId> {
    match &s.cluster {
        Some(cluster) => cluster.online_among(&users).await,
        None => users.into_iter().filter(|u| s.hub.is_online(u)).collect(),
    }
}

/// Tells `user`'s followers (and the webhook queue) whether they are online
/// after a change, at most once per [`crate::presence_gate::PRESENCE_GAP`] on
/// this node: a change within the gap waits for its end. What is announced is
/// the user's state when the announcement is made (on any node), not what the
/// change was: in a cluster another node may have announced since.
fn announce(s: &Arc<Shared>, user: UserId) {
    let step = s.presence.change(&user, std::time::Instant::now());
    let s = s.clone();
    match step {
        Step::Now => {
            tokio::spawn(async move { tell_state(&s, user).await });
        }
        Step::Later(wait) => {
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                s.presence.due(&user, std::time::Instant::now());
                tell_state(&s, user).await;
            });
        }
        Step::Nothing => {}
    }
}

async fn tell_state(s: &Shared, user: UserId) {
    let online = !online_among(s, vec![user.clone()]).await.is_empty();
    tell(s, user, online).await;
}

async fn tell(s: &Shared, user: UserId, online: bool) {
    let _ = s.store.announce_presence(&user, online).await;
    let kind = if online {
        "user.online"
    } else {
        "user.offline"
    };
    s.webhooks
        .emit(kind, serde_json::json!({ "user": user }))
        .await;
}
