//! The bus over NATS (core publish/subscribe, no JetStream; works with
//! Debian's nats-server 2.9). The client reconnects on its own, forever, and
//! restores its subscriptions; while it is away, publications wait in a
//! bounded queue and are dropped (and counted) past it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::connection::State;
use async_nats::{Client, ConnectOptions, Event, Message};
use bytes::Bytes;
use futures_util::StreamExt;
use tern_proto::UserId;
use tokio::sync::{mpsc, watch};

use super::{user_subject, BusState, Envelope, Sequencer, ALL_CONVS};
use crate::hub::Hub;
use crate::metrics::Metrics;

/// Envelopes waiting to be published; past this they are dropped.
const QUEUE: usize = 65_536;

/// How long a login waits for its user's subscription to reach the server.
const WATCH_WAIT: Duration = Duration::from_secs(2);

/// The NATS bus of one node.
pub struct NatsBus {
    client: Client,
    node: String,
    hub: Arc<Hub>,
    sequencer: Sequencer,
    out: mpsc::Sender<(String, Bytes)>,
    watched: Mutex<HashMap<UserId, Watched>>,
    metrics: Arc<Metrics>,
}

/// A user's subscription: its task, and whether the server has it.
struct Watched {
    task: tokio::task::JoinHandle<()>,
    ready: watch::Receiver<bool>,
}

/// What a receiving task needs.
#[derive(Clone)]
struct Receiver {
    node: String,
    hub: Arc<Hub>,
    sequencer: Sequencer,
    metrics: Arc<Metrics>,
}

impl Receiver {
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
        env.what.apply(&self.hub, &self.sequencer);
    }
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
        let receiver = Receiver {
            node: node.to_string(),
            hub: hub.clone(),
            sequencer: sequencer.clone(),
            metrics: metrics.clone(),
        };
        let (ready, _) = watch::channel(false);
        tokio::spawn(receive(
            client.clone(),
            ALL_CONVS.to_string(),
            receiver,
            ready,
        ));
        Ok(Arc::new(Self {
            client,
            node: node.to_string(),
            hub,
            sequencer,
            out,
            watched: Mutex::new(HashMap::new()),
            metrics,
        }))
    }

    fn receiver(&self) -> Receiver {
        Receiver {
            node: self.node.clone(),
            hub: self.hub.clone(),
            sequencer: self.sequencer.clone(),
            metrics: self.metrics.clone(),
        }
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

/// Subscribes to `subject`, says so on `ready` once the server has it, and
/// applies what arrives until the task is aborted (which unsubscribes).
async fn receive(client: Client, subject: String, r: Receiver, ready: watch::Sender<bool>) {
    let mut sub = match client.subscribe(subject.clone()).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, %subject, "bus subscribe failed");
            return;
        }
    };
    if client.flush().await.is_ok() {
        let _ = ready.send(true);
    }
    while let Some(msg) = sub.next().await {
        r.handle(msg);
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
        let mut ready = {
            let mut watched = self.watched.lock().expect("bus poisoned");
            match watched.get(user) {
                Some(w) if !w.task.is_finished() => w.ready.clone(),
                _ => {
                    let (tx, rx) = watch::channel(false);
                    let task = tokio::spawn(receive(
                        self.client.clone(),
                        user_subject(user),
                        self.receiver(),
                        tx,
                    ));
                    watched.insert(
                        user.clone(),
                        Watched {
                            task,
                            ready: rx.clone(),
                        },
                    );
                    rx
                }
            }
        };
        let _ = tokio::time::timeout(WATCH_WAIT, ready.wait_for(|r| *r)).await;
    }

    fn unwatch(&self, user: &UserId) {
        let mut watched = self.watched.lock().expect("bus poisoned");
        // Decided under the lock, after the hub: a connection that logged in
        // meanwhile keeps the subscription (see `watch`).
        if self.hub.is_online(user) {
            return;
        }
        if let Some(w) = watched.remove(user) {
            w.task.abort();
            self.sequencer.forget(user);
        }
    }

    fn state(&self) -> BusState {
        match self.client.connection_state() {
            State::Connected => BusState::Connected,
            _ => BusState::Disconnected,
        }
    }
}
