//! The bus over NATS (core publish/subscribe, no JetStream; works with
//! Debian's nats-server 2.9). The client reconnects on its own, forever, and
//! restores its subscriptions; while it is away, publications wait in a
//! bounded queue and are dropped (and counted) past it.
//!
//! A node subscribes to a user's subject while the user is connected to it,
//! and to a group's subject while one of the group's members is
//! ([`super::interest`]), so NATS carries a publication only to the nodes
//! that have someone to deliver it to.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parking_lot::Mutex;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::{Client, ConnectOptions, Event, Message, RequestErrorKind};
use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use futures_util::StreamExt;
use tern_proto::{ConversationId, GroupId, Push, RoomId, ServerFrame, UserId, VersionedChange};
use tokio::sync::{mpsc, watch};

use super::interest::{membership, Interest};
use super::rooms::{room_subject, RoomInterest};
use super::{conv_subject, user_subject, BusState, Envelope, Sequencer, What};
use crate::hub::Hub;
use crate::metrics::Metrics;

/// Envelopes waiting to be published; past this they are dropped.
const QUEUE: usize = 65_536;

/// How long a login (or a join) waits for a subscription to reach the server.
const WATCH_WAIT: Duration = Duration::from_secs(2);

/// The NATS bus of one node.
pub struct NatsBus {
    me: Weak<NatsBus>,
    client: Client,
    node: String,
    hub: Arc<Hub>,
    sequencer: Sequencer,
    out: mpsc::Sender<(String, Bytes)>,
    subs: Mutex<Subs>,
    metrics: Arc<Metrics>,
}

/// This node's subscriptions by subject, and which groups it needs.
#[derive(Default)]
struct Subs {
    by_subject: HashMap<String, Watched>,
    interest: Interest,
    rooms: RoomInterest,
}

/// A subscription: its task, and whether the server has it.
struct Watched {
    task: tokio::task::JoinHandle<()>,
    ready: watch::Receiver<bool>,
}

impl NatsBus {
    /// Connects to `url` (`nats://host:port`) as node `node`. A bus that is
    /// down at start is not an error: the client keeps trying, and the node
    /// serves its own users meanwhile.
    pub async fn connect(
        url: &str,
        node: &str,
        hub: Arc<Hub>,
        sequencer: Sequencer,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Self>, crate::Error> {
        let gauge = metrics.bus_connected.clone();
        let client = ConnectOptions::new()
            .name(format!("tern-server {node}"))
            .retry_on_initial_connect()
            .max_reconnects(None)
            .reconnect_delay_callback(|n| {
                Duration::from_millis((100u64 << n.min(5) as u32).min(2_000))
            })
            .event_callback(move |event| {
                let gauge = gauge.clone();
                async move {
                    match event {
                        Event::Connected => {
                            gauge.set(1);
                            tracing::info!("bus connected");
                        }
                        Event::Disconnected => {
                            gauge.set(0);
                            tracing::warn!(
                                "bus disconnected; serving this node's users, reconnecting"
                            );
                        }
                        other => tracing::warn!(event = %other, "bus event"),
                    }
                }
            })
            .connect(url)
            .await
            .map_err(|e| {
                crate::Error::Config(format!("bus `{}`: {e}", crate::config::redact(url)))
            })?;
        let (out, rx) = mpsc::channel(QUEUE);
        tokio::spawn(publisher(client.clone(), rx, metrics.clone()));
        Ok(Arc::new_cyclic(|me| Self {
            me: me.clone(),
            client,
            node: node.to_string(),
            hub,
            sequencer,
            out,
            subs: Mutex::new(Subs::default()),
            metrics,
        }))
    }

    fn handle(&self, msg: Message) {
        let env: Envelope = match serde_json::from_slice(&msg.payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, subject = %msg.subject, "undecodable bus message");
                return;
            }
        };
        // Our own publication: delivered locally already.
        if env.origin == self.node {
            return;
        }
        self.metrics.bus_received.inc();
        let lag = crate::storage::now_ms().saturating_sub(env.sent_ms).max(0);
        self.metrics.bus_lag.observe(lag as f64 / 1000.0);
        match env.what {
            What::Changes { to, change } => {
                for (user, version) in to {
                    let change = change.clone();
                    super::Bus::local_change(self, &user, VersionedChange { version, change });
                }
            }
            What::Room { user, room, joined } => match (joined, self.me.upgrade()) {
                (true, Some(me)) => {
                    tokio::spawn(async move { super::Bus::watch_room(&*me, &user, &room).await });
                }
                (true, None) => {}
                (false, _) => super::Bus::unwatch_room(self, &user, &room),
            },
            other => other.apply(&self.hub, &self.sequencer),
        }
    }

    /// Starts receiving `subject` unless already; returns its readiness.
    fn subscribe(&self, subs: &mut Subs, subject: String) -> watch::Receiver<bool> {
        if let Some(w) = subs.by_subject.get(&subject) {
            if !w.task.is_finished() {
                return w.ready.clone();
            }
        }
        let (tx, rx) = watch::channel(false);
        let Some(me) = self.me.upgrade() else {
            return rx;
        };
        let task = tokio::spawn(receive(me, subject.clone(), tx));
        subs.by_subject.insert(
            subject,
            Watched {
                task,
                ready: rx.clone(),
            },
        );
        rx
    }

    /// Stops receiving group `g`'s subject.
    fn drop_group(&self, subs: &mut Subs, g: GroupId) {
        let conv = ConversationId::Group(g);
        if let Some(w) = subs.by_subject.remove(&conv_subject(&conv)) {
            w.task.abort();
        }
        self.sequencer.forget_conv(conv);
    }
}

/// Waits (bounded) for a subscription to reach the server.
async fn ready(mut rx: watch::Receiver<bool>) {
    let _ = tokio::time::timeout(WATCH_WAIT, rx.wait_for(|r| *r)).await;
}

/// Returns once the NATS server has processed what this client sent before
/// (a new subscription above all), so a publication from any node after this
/// reaches it. `flush` only writes the operations to the socket; a request to
/// a subject nobody subscribes to is answered "no responders" by the server
/// after the connection's earlier operations. Bounded by [`WATCH_WAIT`].
async fn round_trip(client: &Client, node: &str) {
    let probe = client.request(format!("tern.probe.{node}"), Bytes::new());
    match tokio::time::timeout(WATCH_WAIT, probe).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) if e.kind() == RequestErrorKind::NoResponders => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "bus round trip failed"),
        Err(_) => tracing::warn!("bus round trip timed out"),
    }
}

/// Publishes queued envelopes in order.
async fn publisher(client: Client, mut rx: mpsc::Receiver<(String, Bytes)>, metrics: Arc<Metrics>) {
    while let Some((subject, payload)) = rx.recv().await {
        match client.publish(subject, payload).await {
            Ok(()) => metrics.bus_published.inc(),
            Err(e) => {
                metrics.bus_dropped.inc();
                tracing::warn!(error = %e, "bus publish failed");
            }
        }
    }
}

/// Subscribes to `subject`, says so on `ready` once the server has it (or
/// the round trip gave up), and
/// applies what arrives until the task is aborted (which unsubscribes).
async fn receive(bus: Arc<NatsBus>, subject: String, ready: watch::Sender<bool>) {
    let mut sub = match bus.client.subscribe(subject.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, %subject, "bus subscribe failed");
            return;
        }
    };
    round_trip(&bus.client, &bus.node).await;
    let _ = ready.send(true);
    while let Some(msg) = sub.next().await {
        bus.handle(msg);
    }
}

#[async_trait::async_trait]
impl super::Bus for NatsBus {
    fn publish(&self, subject: String, env: &Envelope) {
        let payload = match serde_json::to_vec(env) {
            Ok(p) => Bytes::from(p),
            Err(e) => {
                tracing::error!(error = %e, "encoding a bus envelope");
                return;
            }
        };
        if self.out.try_send((subject, payload)).is_err() {
            self.metrics.bus_dropped.inc();
        }
    }

    async fn watch(&self, user: &UserId) {
        let rx = {
            let mut subs = self.subs.lock();
            self.subscribe(&mut subs, user_subject(user))
        };
        ready(rx).await;
    }

    async fn watch_groups(&self, user: &UserId, groups: Vec<GroupId>, floor: u64) {
        let waits: Vec<_> = {
            let mut subs = self.subs.lock();
            // Decided under the lock, after the hub (see `unwatch`).
            if !self.hub.is_online(user) {
                return;
            }
            let needed = subs.interest.watch(user, groups, floor);
            needed
                .into_iter()
                .map(|g| self.subscribe(&mut subs, conv_subject(&ConversationId::Group(g))))
                .collect()
        };
        // With the bus down, the login has already waited for the user's
        // subject; the groups' subscriptions are restored with the connection.
        if super::Bus::state(self) == BusState::Connected {
            futures_util::future::join_all(waits.into_iter().map(ready)).await;
        }
    }

    fn unwatch(&self, user: &UserId) {
        let mut subs = self.subs.lock();
        // Decided under the lock, after the hub: a connection that logged in
        // meanwhile keeps the subscriptions (see `watch`).
        if self.hub.is_online(user) {
            return;
        }
        if let Some(w) = subs.by_subject.remove(&user_subject(user)) {
            w.task.abort();
            self.sequencer.forget(user);
        }
        for g in subs.interest.unwatch(user) {
            self.drop_group(&mut subs, g);
        }
        for r in subs.rooms.unwatch(user) {
            if let Some(w) = subs.by_subject.remove(&room_subject(&r)) {
                w.task.abort();
            }
        }
    }

    async fn watch_room(&self, user: &UserId, room: &RoomId) {
        let rx = {
            let mut subs = self.subs.lock();
            if !self.hub.is_online(user) {
                return;
            }
            subs.rooms.watch(user, room);
            self.subscribe(&mut subs, room_subject(room))
        };
        if super::Bus::state(self) == BusState::Connected {
            ready(rx).await;
        }
    }

    fn unwatch_room(&self, user: &UserId, room: &RoomId) {
        let mut subs = self.subs.lock();
        if subs.rooms.unwatch_room(user, room) {
            if let Some(w) = subs.by_subject.remove(&room_subject(room)) {
                w.task.abort();
            }
        }
    }

    fn local_change(&self, user: &UserId, vc: VersionedChange) {
        if !self.hub.is_online(user) {
            return;
        }
        let m = membership(user, &vc.change);
        let version = vc.version;
        let frame = Utf8Bytes::from(
            ServerFrame::Push {
                push: Push::Change(vc),
            }
            .encode(),
        );
        let Some(m) = m else {
            self.hub.push_frame(user, frame, None);
            return;
        };
        let mut subs = self.subs.lock();
        match subs.interest.apply(user, m, version) {
            Some(Ok(g)) => {
                // Joined: the group's subject first, then the push (after
                // which the client reads the group), so no message of it
                // falls between what the client reads and what is pushed.
                let rx = self.subscribe(&mut subs, conv_subject(&ConversationId::Group(g)));
                let (hub, user) = (self.hub.clone(), user.clone());
                tokio::spawn(async move {
                    ready(rx).await;
                    hub.push_frame(&user, frame, None);
                });
            }
            Some(Err(g)) => {
                self.hub.push_frame(user, frame, None);
                self.drop_group(&mut subs, g);
            }
            None => self.hub.push_frame(user, frame, None),
        }
    }

    fn state(&self) -> BusState {
        match self.client.connection_state() {
            State::Connected => BusState::Connected,
            _ => BusState::Disconnected,
        }
    }
}
