//! The state every connection, handler and service shares: configuration,
//! storage, the hub of online connections, keys and the login guards. Its own
//! module (not `server.rs`) so that the layers below the server — services,
//! transports — can name it without importing the server that builds it.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use tokio::sync::{mpsc, watch, Semaphore};

use crate::auth::{Hasher, PasswordParams, TokenKey};
use crate::cluster::Cluster;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::storage::{Sink, Storage};
use crate::Config;

/// State shared by every connection.
pub struct Shared {
    /// The configuration the server started with.
    pub config: Config,
    /// The database.
    pub store: Arc<dyn Storage>,
    /// Who is online on this node.
    pub hub: Arc<Hub>,
    /// Where pushes that are not stored (typing, logout kicks) go: the hub
    /// on a single node, the hub and the bus in a cluster (the same sink the
    /// storage backend delivers committed effects to).
    pub sink: Arc<dyn Sink>,
    /// This node's cluster membership (`--bus`); `None` on a single node.
    pub cluster: Option<Arc<Cluster>>,
    /// This node's id (`--node-id`, or a random one).
    pub node_id: String,
    /// `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Token signing key.
    pub key: TokenKey,
    /// Cost of new password hashes.
    pub password: PasswordParams,
    /// A hash of a random password, verified against when a login names an
    /// unknown user so that such logins take as long as real ones.
    pub dummy_hash: String,
    /// Flips to true when the server shuts down; connections close.
    pub shutdown: watch::Receiver<bool>,
    /// Notified (all waiters) right after `shutdown` flips: what connections
    /// wait on, a smaller future than the watch's in every idle connection;
    /// sharded by connection id, as the watch shards its own.
    pub stopping: [tokio::sync::Notify; STOPPING_SHARDS],
    /// Each connection holds a clone; shutdown waits until all are dropped.
    pub drain: mpsc::Sender<()>,
    /// Caps simultaneous WebSocket connections.
    pub conn_limit: Arc<Semaphore>,
    /// Open WebSocket connections (for `/health`).
    pub connections: AtomicUsize,
    /// Password hashing, at most `security.hash_concurrency` at once: each
    /// holds `argon2_memory_kib`, so this bounds the memory logins can take.
    pub hasher: Hasher,
    /// Failed-login counters per account and per address.
    pub logins: crate::auth::LoginThrottle,
    /// An upload holds it (shared) from storing its blob until its row is
    /// recorded; housekeeping holds it (exclusive) while it deletes rows and
    /// blobs. Without it, an upload of bytes already stored could find their
    /// blob in place, keep it instead of its own copy, and then see housekeeping
    /// remove it as the blob of an old unreferenced upload.
    pub blob_gc: tokio::sync::RwLock<()>,
    /// Each user's uploads in progress, counted together against the quota.
    pub uploads: crate::upload_ledger::UploadLedger,
    /// The webhook endpoints (before-hooks and the after-event queue).
    pub webhooks: Arc<crate::webhooks::Webhooks>,
    /// Each user's `react` budget (`reactions_per_minute`).
    pub reaction_rate: crate::rate_limit::UserRate,
    /// Each user's group-management budget (`group_actions_per_minute`).
    pub group_rate: crate::rate_limit::UserRate,
    /// Each user's friend-application and profile-change budget
    /// (`social_actions_per_minute`).
    pub social_rate: crate::rate_limit::UserRate,
    /// Spaces out each user's presence announcements.
    pub presence: crate::presence_gate::PresenceGate,
    /// Chat rooms' per-node state (send budgets, grace-period timers).
    pub rooms: crate::room_state::RoomState,
    /// When this process started serving (admin stats' uptime).
    pub started: std::time::Instant,
}

/// Shards of [`Shared::stopping`].
pub const STOPPING_SHARDS: usize = 8;
