//! Webhooks (docs/webhooks.md): configured endpoints (`[[webhooks]]`) hear
//! of events. *Before* events (a send, a friend application, a group join, a
//! profile change) are POSTed while the request waits; the answer allows,
//! rejects or rewrites it ([`Webhooks::before`]). *After* events are queued in
//! the database, numbered per endpoint ([`Webhooks::emit`]; message events by
//! the storage transaction that stores, recalls or edits, [`IN_TX_EVENTS`]),
//! and delivered in
//! order, at least once, by one task per endpoint ([`deliver`]), signed with
//! the endpoint's secret ([`sign`]).
//!
//! Nothing here holds a lock while a request is in flight: a slow hook holds
//! up only the request it decides.

mod before;
mod deliver;
pub mod sign;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{watch, Notify};

use crate::storage::after::PendingEvent;
use crate::storage::api::{HookRoutes, HookStatus};
use crate::storage::{now_ms, Storage, StoreResult};
use crate::webhook_config::WebhookConfig;
use crate::Config;

/// After-events the storage queues in the transaction of the change they
/// report (see [`HookRoutes`]); the services only wake the delivery tasks.
/// The user, friend and group events (but `group.created` and
/// `group.joined`) are queued in their write's transaction too, handed to it
/// by the service ([`Webhooks::in_tx`]).
pub const IN_TX_EVENTS: [&str; 3] = ["message.stored", "message.recalled", "message.edited"];

/// Largest answer body read from an endpoint.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The configured endpoints and their HTTP client.
pub struct Webhooks {
    hooks: Vec<WebhookConfig>,
    client: reqwest::Client,
    store: Arc<dyn Storage>,
    queue_max: u64,
    retry_max: Duration,
    /// Per endpoint: wakes its delivery task when this node queued an event.
    wake: Vec<Arc<Notify>>,
}

impl Webhooks {
    /// The endpoints of `config`, queueing in `store`.
    pub fn new(config: &Config, store: Arc<dyn Storage>) -> Self {
        let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tern-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let mut routes = HookRoutes {
            cap: config.webhook_queue_max,
            ..HookRoutes::default()
        };
        for kind in IN_TX_EVENTS {
            let names: Vec<String> = config
                .webhooks
                .iter()
                .filter(|h| h.wants(kind))
                .map(|h| h.name.clone())
                .collect();
            if !names.is_empty() {
                routes.routes.insert(kind.to_string(), names);
            }
        }
        store.set_hook_routes(routes);
        Self {
            wake: config
                .webhooks
                .iter()
                .map(|_| Arc::new(Notify::new()))
                .collect(),
            hooks: config.webhooks.clone(),
            client,
            store,
            queue_max: config.webhook_queue_max,
            retry_max: config.webhook_retry_max,
        }
    }

    /// The configured endpoints.
    pub fn hooks(&self) -> &[WebhookConfig] {
        &self.hooks
    }

    /// Whether any endpoint wants `event` (callers skip building its data if not).
    pub fn wants(&self, event: &str) -> bool {
        self.hooks.iter().any(|h| h.wants(event))
    }

    /// Queues after-event `kind` with `data` for every endpoint that wants it
    /// and wakes their delivery tasks. A failure to queue is logged (the
    /// action it reports has happened already).
    pub async fn emit(&self, kind: &str, data: Value) {
        let wanted: Vec<usize> = (0..self.hooks.len())
            .filter(|&i| self.hooks[i].wants(kind))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let names: Vec<String> = wanted.iter().map(|&i| self.hooks[i].name.clone()).collect();
        let text = data.to_string();
        match self
            .store
            .hook_enqueue(&names, kind, &text, now_ms(), self.queue_max)
            .await
        {
            Ok(seqs) => {
                for (&i, seq) in wanted.iter().zip(seqs) {
                    if seq.is_none() {
                        tracing::warn!(endpoint = %self.hooks[i].name, event = kind,
                            "webhook queue full of undelivered events: event dropped");
                    }
                    self.wake[i].notify_one();
                }
            }
            Err(e) => tracing::error!(event = kind, error = %e, "queueing a webhook event failed"),
        }
    }

    /// Runs `write` (one storage call) so that its write transaction also
    /// queues after-event `kind` with `data` for the endpoints that want it
    /// ([`crate::storage::after`]): committed together, or not at all. Then
    /// wakes their delivery tasks (after fault point `after_event_commit`).
    pub async fn in_tx<T, E, F>(&self, kind: &str, data: Value, write: F) -> Result<T, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let endpoints: Vec<String> = self
            .hooks
            .iter()
            .filter(|h| h.wants(kind))
            .map(|h| h.name.clone())
            .collect();
        if endpoints.is_empty() {
            return write.await;
        }
        let event = PendingEvent {
            endpoints,
            kind: kind.to_string(),
            data: data.to_string(),
            now: now_ms(),
            cap: self.queue_max,
        };
        let out = crate::storage::after::scope(vec![event], write).await?;
        crate::fault::point("after_event_commit");
        self.wake_for(kind);
        Ok(out)
    }

    /// Wakes the delivery tasks of the endpoints that want `kind`, an event
    /// the storage queued itself ([`IN_TX_EVENTS`]).
    pub fn wake_for(&self, kind: &str) {
        for (i, h) in self.hooks.iter().enumerate() {
            if h.wants(kind) {
                self.wake[i].notify_one();
            }
        }
    }

    /// Starts one delivery task per endpoint; they stop with `shutdown`.
    /// Where several processes share the database (PostgreSQL) an endpoint is
    /// delivered by the node holding its lease; with `exclusive` (SQLite: one
    /// process) the lease is taken at once.
    pub fn spawn(self: &Arc<Self>, node: String, exclusive: bool, shutdown: watch::Receiver<bool>) {
        for i in 0..self.hooks.len() {
            let task = deliver::Task {
                hooks: self.clone(),
                index: i,
                node: node.clone(),
                exclusive,
            };
            tokio::spawn(task.run(shutdown.clone()));
        }
    }

    /// Delivery status of endpoint `name`; `None` when no endpoint has that name.
    pub async fn status(&self, name: &str) -> StoreResult<Option<HookStatus>> {
        if !self.hooks.iter().any(|h| h.name == name) {
            return Ok(None);
        }
        Ok(Some(self.store.hook_status(name).await?))
    }

    /// Delivers every kept event of `name` from number `from` on again;
    /// `None` when no endpoint has that name, else how many were reset.
    pub async fn replay(&self, name: &str, from: u64) -> StoreResult<Option<u64>> {
        let Some(i) = self.hooks.iter().position(|h| h.name == name) else {
            return Ok(None);
        };
        let n = self.store.hook_replay(name, from, now_ms()).await?;
        self.wake[i].notify_one();
        Ok(Some(n))
    }

    /// POSTs `body` to `hook`, signed (an after-event with its number and
    /// the delivering node); the answer body (at most
    /// [`MAX_ANSWER_BYTES`]) on a 2xx status, else why not.
    async fn post(
        &self,
        hook: &WebhookConfig,
        event: &str,
        seq: Option<(u64, &str)>,
        body: String,
    ) -> Result<Vec<u8>, String> {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let sig = sign::signature(hook.secret.as_bytes(), ts, body.as_bytes());
        let mut req = self
            .client
            .post(&hook.url)
            .timeout(hook.timeout())
            .header("content-type", "application/json")
            .header(sign::TIMESTAMP, ts.to_string())
            .header(sign::SIGNATURE, sig)
            .header(sign::EVENT, event)
            .header(sign::ENDPOINT, &hook.name);
        if let Some((seq, node)) = seq {
            req = req
                .header(sign::SEQ, seq.to_string())
                .header(sign::NODE, node);
        }
        let call = async {
            let mut resp = req.body(body).send().await.map_err(|e| e.to_string())?;
            let status = resp.status();
            let mut answer = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
                if answer.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(format!("answer over {MAX_ANSWER_BYTES} bytes"));
                }
                answer.extend_from_slice(&chunk);
            }
            if !status.is_success() {
                return Err(format!("HTTP {status}"));
            }
            Ok(answer)
        };
        match tokio::time::timeout(hook.timeout(), call).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer within {} ms", hook.timeout_ms)),
        }
    }
}
