//! The webhook queue (docs/webhooks.md): after-events numbered per endpoint,
//! kept until delivered (and then for replay, within the queue's bound), and
//! the lease that lets one node of a cluster deliver an endpoint's events.

use async_trait::async_trait;
use serde::Serialize;

use crate::storage::StoreResult;

/// One queued event of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedEvent {
    /// Its number within the endpoint (1, 2, 3, ...).
    pub seq: u64,
    /// The event name (`message.stored`, ...).
    pub kind: String,
    /// The event's `data` object as JSON text.
    pub data: String,
    /// When it was queued (ms since the epoch).
    pub created_at: i64,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// Not to be tried again before this time (ms).
    pub next_attempt_at: i64,
}

/// Delivery status of one endpoint (admin API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HookStatus {
    /// The endpoint's name.
    pub endpoint: String,
    /// The number of the newest queued event (0: none yet).
    pub last_seq: u64,
    /// The newest event delivered (0: none); every lower one is delivered too.
    pub delivered_seq: u64,
    /// Events queued and not yet delivered.
    pub pending: u64,
    /// Events dropped because the queue was full of undelivered ones.
    pub dropped: u64,
    /// The oldest event still kept (replay can start from here); 0: none.
    pub oldest_kept_seq: u64,
    /// Failed attempts of the next event to deliver.
    pub attempts: u32,
    /// Why its last attempt failed.
    pub last_error: Option<String>,
    /// When it is tried next (ms since the epoch; 0 when nothing is pending).
    pub next_attempt_at: i64,
}

/// The after-events a storage transaction queues itself, in the same
/// transaction as the change it reports (`message.stored`,
/// `message.recalled`, `message.edited`): a crash after the commit cannot
/// lose them. Set once at start ([`WebhookQueue::set_hook_routes`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookRoutes {
    /// Per event kind, the endpoints that want it, in configuration order.
    pub routes: std::collections::HashMap<String, Vec<String>>,
    /// Most undelivered events per endpoint (`webhook_queue_max`).
    pub cap: u64,
}

impl HookRoutes {
    /// The endpoints that want `kind` (empty: none).
    pub fn endpoints(&self, kind: &str) -> &[String] {
        self.routes.get(kind).map_or(&[], Vec::as_slice)
    }
}

/// The routes a backend holds (shared by its clones).
pub type SharedRoutes = std::sync::Arc<std::sync::RwLock<std::sync::Arc<HookRoutes>>>;

/// The routes in force now.
pub fn routes_now(shared: &SharedRoutes) -> std::sync::Arc<HookRoutes> {
    shared.read().map(|r| r.clone()).unwrap_or_default()
}

/// The persistent webhook queue.
#[async_trait]
pub trait WebhookQueue: Send + Sync {
    /// From now on, the writes named in [`HookRoutes`] queue their
    /// after-events in their own transaction, for these endpoints.
    fn set_hook_routes(&self, routes: HookRoutes);
    /// Queues `data` as event `kind` for each of `endpoints` and returns, per
    /// endpoint, its number — or `None` when that endpoint already holds
    /// `cap` undelivered events (the event is dropped and counted). When the
    /// endpoint holds `cap` rows, its oldest delivered ones are deleted first.
    async fn hook_enqueue(
        &self,
        endpoints: &[String],
        kind: &str,
        data: &str,
        now: i64,
        cap: u64,
    ) -> StoreResult<Vec<Option<u64>>>;
    /// Takes or renews the delivery lease of `endpoint` for `node` until
    /// `until` (ms), unless another node holds an unexpired one; true when
    /// `node` holds it. `force` takes it regardless (a single node).
    async fn hook_lease(
        &self,
        endpoint: &str,
        node: &str,
        now: i64,
        until: i64,
        force: bool,
    ) -> StoreResult<bool>;
    /// The endpoint's oldest undelivered event.
    async fn hook_next(&self, endpoint: &str) -> StoreResult<Option<QueuedEvent>>;
    /// Marks event `seq` delivered.
    async fn hook_delivered(&self, endpoint: &str, seq: u64, now: i64) -> StoreResult<()>;
    /// Records a failed attempt of `seq` and when to try it again.
    async fn hook_failed(
        &self,
        endpoint: &str,
        seq: u64,
        error: &str,
        retry_at: i64,
    ) -> StoreResult<()>;
    /// Marks every kept event from `from` on undelivered again (due now);
    /// returns how many.
    async fn hook_replay(&self, endpoint: &str, from: u64, now: i64) -> StoreResult<u64>;
    /// The endpoint's delivery status.
    async fn hook_status(&self, endpoint: &str) -> StoreResult<HookStatus>;
}
