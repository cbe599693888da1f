//! Room membership beyond one request: in a cluster, which nodes receive a room's bus
//! subject for a member; and the grace period after a member's last connection went,
//! after which they drop out of every room (also for members a previous run left).

use std::future::Future;
use std::sync::Arc;

use tern_proto::{Push, RoomId, RoomLeftReason, UserId};

use crate::bus::{Envelope, What};
use crate::state::Shared;
use crate::storage::{now_ms, Delivery};

/// In a cluster: this node and every node where `user` is connected (told
/// on their bus subject) receive `room`'s subject from now on.
pub(super) async fn watch(s: &Shared, user: &UserId, room: &RoomId) {
    if let Some(cluster) = &s.cluster {
        tell_nodes(s, user, room, true);
        cluster.bus.watch_room(user, room).await;
    }
}

/// `user` left `room`: in a cluster, no node needs its subject for them.
pub(in crate::service) fn unwatch(s: &Shared, user: &UserId, room: &RoomId) {
    if let Some(cluster) = &s.cluster {
        cluster.bus.unwatch_room(user, room);
        tell_nodes(s, user, room, false);
    }
}

fn tell_nodes(s: &Shared, user: &UserId, room: &RoomId, joined: bool) {
    if let Some(cluster) = &s.cluster {
        let env = Envelope {
            origin: s.node_id.clone(),
            sent_ms: now_ms(),
            what: What::Room {
                user: user.clone(),
                room: room.clone(),
                joined,
            },
        };
        cluster.bus.publish(crate::bus::user_subject(user), &env);
    }
}

/// `user` logged in on this node: a pending grace-period drop is off.
pub fn connected(s: &Shared, user: &UserId) {
    s.rooms.came_back(user);
}

/// `user`'s last connection anywhere has gone: after the grace period,
/// unless they came back (here or, in a cluster, on any node), they drop out
/// of every room.
pub fn disconnected(s: &Arc<Shared>, user: &UserId) {
    let gen = s.rooms.bump(user);
    let user = user.clone();
    let grace = after_grace(s);
    tokio::spawn(async move {
        let Some(s) = grace.await else { return };
        if !s.rooms.unchanged(&user, gen) {
            return;
        }
        s.rooms.forget(&user, gen);
        drop_if_gone(&s, &user).await;
    });
}

async fn drop_if_gone(s: &Shared, user: &UserId) {
    // (Not `presence::online_among`: presence calls this module.)
    let online = match &s.cluster {
        Some(cluster) => !cluster
            .online_among(std::slice::from_ref(user))
            .await
            .is_empty(),
        None => s.hub.is_online(user),
    };
    if online {
        return;
    }
    match s.store.drop_from_rooms(user).await {
        Ok(rooms) if !rooms.is_empty() => {
            tracing::debug!(%user, rooms = rooms.len(), "dropped from rooms after the grace period");
            let deliveries: Vec<Delivery> = rooms
                .into_iter()
                .map(|room| Delivery {
                    user: user.clone(),
                    push: Push::RoomLeft {
                        room,
                        reason: RoomLeftReason::Dropped,
                        banned_until: None,
                    },
                })
                .collect();
            s.sink.deliver(&deliveries);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, %user, "dropping a user from their rooms failed"),
    }
}

/// Waits out the grace period holding only a weak reference to the server's
/// state, so that a shutdown (which waits for every reference to go) is not
/// held up by it; `None` when the server stopped meanwhile.
fn after_grace(s: &Arc<Shared>) -> impl Future<Output = Option<Arc<Shared>>> + Send + 'static {
    let weak = Arc::downgrade(s);
    let mut stop = s.shutdown.clone();
    let grace = s.config.rooms.grace;
    async move {
        tokio::select! {
            _ = tokio::time::sleep(grace) => {}
            _ = stop.wait_for(|stopped| *stopped) => return None,
        }
        weak.upgrade()
    }
}

/// After a start, members left in rooms by a previous run (a crash, a
/// restart) who do not connect within the grace period drop out.
pub fn sweep_after_start(s: &Arc<Shared>) {
    let grace = after_grace(s);
    tokio::spawn(async move {
        let Some(s) = grace.await else { return };
        let users = match s.store.room_users().await {
            Ok(u) => u,
            Err(e) => return tracing::warn!(error = %e, "reading room members failed"),
        };
        for user in users {
            if !s.hub.is_online(&user) {
                drop_if_gone(&s, &user).await;
            }
        }
    });
}
