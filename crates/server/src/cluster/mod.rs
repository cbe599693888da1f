//! A cluster node's membership: heartbeats, the registry of its logged-in
//! connections (so presence and the admin session list cover every node),
//! and dead-node detection. Built only with `--bus`; a single node has none
//! and answers presence from its own hub.
//!
//! Every [`BEAT`] each node records a heartbeat on the database's clock, then
//! declares dead every node silent for more than [`DEAD_AFTER_MS`], removes
//! its connections and announces `offline` for the users that have no
//! connection left on a live node. So a node that dies (SIGKILL, power) has
//! its users offline for their friends within `DEAD_AFTER_MS + BEAT` (12 s).

pub mod registry;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use tern_proto::UserId;
use tokio::sync::watch;

use crate::bus::SharedBus;
use crate::hub::{ConnEntry, ConnId, Hub};
use crate::storage::postgres::PgStorage;
use crate::storage::{Storage, StoreResult};
use crate::webhooks::Webhooks;
pub use registry::LiveConn;

/// How often a node records a heartbeat and looks for dead nodes.
pub const BEAT: Duration = Duration::from_secs(2);

/// A node silent this long (ms, on the database's clock) is dead.
pub const DEAD_AFTER_MS: i64 = 10_000;

/// This node's own parts a cluster node works through.
pub struct Local {
    /// The database (presence announcements go through it).
    pub store: Arc<dyn Storage>,
    /// Who is connected here.
    pub hub: Arc<Hub>,
    /// Where `user.online` / `user.offline` events of the users this node
    /// finds gone (a dead node's) or back are queued.
    pub webhooks: Arc<Webhooks>,
}

/// This node's place in the cluster.
pub struct Cluster {
    /// This node's id.
    pub node: String,
    /// The bus to the other nodes.
    pub bus: SharedBus,
    pg: PgStorage,
    store: Arc<dyn Storage>,
    hub: Arc<Hub>,
    webhooks: Arc<Webhooks>,
}

impl Cluster {
    /// Joins the cluster: forgets the connections of this node's previous
    /// life (announcing `offline` for users left with none), records the
    /// first heartbeat and starts the heartbeat task (until `shutdown`).
    pub async fn start(
        node: String,
        bus: SharedBus,
        pg: PgStorage,
        local: Local,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<Arc<Self>> {
        let Local {
            store,
            hub,
            webhooks,
        } = local;
        let gone = registry::reset(&pg, &node, DEAD_AFTER_MS).await?;
        registry::beat(&pg, &node).await?;
        let cluster = Arc::new(Self {
            node,
            bus,
            pg,
            store,
            hub,
            webhooks,
        });
        cluster.announce(gone, false);
        tokio::spawn(cluster.clone().heartbeats(shutdown));
        tracing::info!(node = %cluster.node, "joined the cluster");
        Ok(cluster)
    }

    async fn heartbeats(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(BEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.beat().await,
                _ = stopped(&mut shutdown) => return,
            }
        }
    }

    /// One heartbeat and one look for dead nodes.
    async fn beat(self: &Arc<Self>) {
        match registry::beat(&self.pg, &self.node).await {
            // Declared dead meanwhile (database or network away): register
            // this node's connections again and say its users are online.
            Ok(true) => {
                tracing::warn!(node = %self.node, "this node had been declared dead; registering its connections again");
                let mut users = Vec::new();
                for (user, e) in self.hub.snapshot() {
                    if registry::conn_up(&self.pg, &self.node, &live(&self.node, &user, &e))
                        .await
                        .is_ok()
                    {
                        users.push(user);
                    }
                }
                users.dedup();
                self.announce(users, true);
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cluster heartbeat failed"),
        }
        match registry::reap(&self.pg, DEAD_AFTER_MS).await {
            Ok((dead, users)) => {
                if !dead.is_empty() {
                    tracing::warn!(?dead, offline = users.len(), "declared nodes dead");
                }
                self.announce(users, false);
            }
            Err(e) => tracing::warn!(error = %e, "looking for dead nodes failed"),
        }
    }

    /// Announces `users` online or offline (friends and webhook events) in a
    /// task of its own, so that thousands of them (a dead node's) do not hold
    /// up this node's heartbeats past [`DEAD_AFTER_MS`]. Before saying
    /// "offline" it looks again: a user who came back on another node
    /// meanwhile is left out.
    fn announce(self: &Arc<Self>, users: Vec<UserId>, online: bool) {
        if users.is_empty() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let users = if online {
                users
            } else {
                let back: HashSet<UserId> = this.online_among(&users).await.into_iter().collect();
                users.into_iter().filter(|u| !back.contains(u)).collect()
            };
            let kind = if online {
                "user.online"
            } else {
                "user.offline"
            };
            for u in users {
                if let Err(e) = this.store.announce_presence(&u, online).await {
                    tracing::warn!(error = %e, user = %u, "presence announcement failed");
                }
                this.webhooks
                    .emit(kind, serde_json::json!({ "user": u }))
                    .await;
            }
        });
    }

    /// A connection of `user` logged in here: receive their bus subject
    /// (before the caller re-checks the session, so a kick published from
    /// now on reaches it), then their groups' subjects (read after: a join
    /// committed from then on reaches this node as a change-log push), and
    /// record the connection. All before the client reads its backlog.
    pub async fn connected(&self, user: &UserId, entry: &ConnEntry) {
        self.bus.watch(user).await;
        match registry::groups_of(&self.pg, user).await {
            Ok((groups, floor)) => self.bus.watch_groups(user, groups, floor).await,
            Err(e) => tracing::warn!(error = %e, "reading a user's groups for the bus failed"),
        }
        match self.store.rooms_of(user).await {
            Ok(rooms) => {
                for room in rooms {
                    self.bus.watch_room(user, &room).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading a user's rooms for the bus failed"),
        }
        if let Err(e) =
            registry::conn_up(&self.pg, &self.node, &live(&self.node, user, entry)).await
        {
            tracing::warn!(error = %e, "recording a connection in the cluster registry failed");
        }
    }

    /// A connection of `user` ended here (`last_here`: their last one on this
    /// node); true when they have no connection left on any live node.
    pub async fn disconnected(&self, user: &UserId, conn: ConnId, last_here: bool) -> bool {
        if last_here {
            self.bus.unwatch(user);
        }
        let conn = conn as i64;
        match registry::conn_down(&self.pg, &self.node, conn, user, DEAD_AFTER_MS).await {
            Ok(gone) => gone,
            Err(e) => {
                tracing::warn!(error = %e, "removing a connection from the cluster registry failed");
                last_here
            }
        }
    }

    /// Those of `users` connected to some live node (this node's hub alone
    /// when the database cannot be asked).
    pub async fn online_among(&self, users: &[UserId]) -> Vec<UserId> {
        match registry::online_among(&self.pg, users, DEAD_AFTER_MS).await {
            Ok(online) => {
                let online: HashSet<UserId> = online.into_iter().collect();
                users
                    .iter()
                    .filter(|u| online.contains(u))
                    .cloned()
                    .collect()
            }
            Err(e) => {
                tracing::warn!(error = %e, "cluster presence lookup failed; answering from this node");
                users
                    .iter()
                    .filter(|u| self.hub.is_online(u))
                    .cloned()
                    .collect()
            }
        }
    }

    /// Every logged-in connection on every live node.
    pub async fn live_conns(&self) -> StoreResult<Vec<LiveConn>> {
        registry::live_conns(&self.pg, DEAD_AFTER_MS).await
    }
}

async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

fn live(node: &str, user: &UserId, e: &ConnEntry) -> LiveConn {
    LiveConn {
        node: node.to_string(),
        conn: e.conn as i64,
        user: user.clone(),
        session: e.session.to_string(),
        platform: e.platform,
        since: e.since,
    }
}
