//! The PostgreSQL backend of [`crate::storage`], for several server processes
//! writing one database at once.
//!
//! - Every write is one READ COMMITTED transaction on a pooled connection
//!   (deadpool-postgres), retried a bounded number of times on a serialization
//!   failure, a deadlock, the dedup backstop, or a dead pooled connection
//!   before COMMIT (see [`tx!`]); reads use a read-only transaction ([`read!`]).
//! - Seqs are gap-free per conversation: `UPDATE conversations SET max_seq =
//!   max_seq + 1 … RETURNING max_seq` takes the conversation's row lock, which
//!   serialises its writers across processes, and a rollback undoes it.
//!   Dedup on (sender, client id) takes a transaction advisory lock on the pair
//!   before looking the message up; the UNIQUE constraint is the backstop.
//!   Change-log versions come from `UPDATE users SET version = version + 1`.
//!   Locks are taken conversation row first, then user rows in id order.
//! - Pushes keep commit order within this process: a write holds a striped
//!   mutex (by conversation for messages, read state and recalls, by the
//!   acting user otherwise) from before its transaction until the sink has
//!   been called. `Messages::send` takes its stripe before it returns, so
//!   pipelined sends of one connection commit in order.
//!
//! The SQL and the rules are ports of the SQLite functions, with the same
//! refusals (codes and messages).

mod accounts;
mod admin;
mod admin_queries;
mod availability;
mod blacklist;
mod cached;
mod changelog;
mod edits;
mod files;
mod groups;
mod history;
mod impl_accounts;
mod impl_groups;
mod impl_messages;
mod impl_operations;
mod impl_preferences;
mod impl_rooms;
mod impl_social;
mod mentions;
mod messages;
mod migrate;
mod pins;
mod preferences;
mod reactions;
mod read_by;
mod recall;
mod relations;
mod room_admin;
mod rooms;
mod user_admin;
mod webhooks;

pub(crate) use webhooks::enqueue_pending;

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime, TimeoutType,
};
use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_postgres::NoTls;

use crate::storage::{Sink, StoreError, StoreResult};

pub(crate) use cached::Tx;

/// How many times a write is retried after a serialization failure or deadlock.
pub const RETRIES: u32 = 5;

/// How long one attempt of a transaction (from BEGIN to COMMIT) may take
/// before the database is judged not answering (see [`availability`]).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// [`ATTEMPT_TIMEOUT`] of the writes that may touch many rows: housekeeping
/// (change-log compaction) and deleting a user.
pub const LONG_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Mutex stripes ordering the pushes of this process.
const STRIPES: usize = 64;

/// The PostgreSQL backend of [`crate::storage::Storage`].
#[derive(Clone)]
pub struct PgStorage {
    pool: Pool,
    pub(super) sink: Arc<dyn Sink>,
    stripes: Arc<Vec<Arc<Mutex<()>>>>,
    counters: Arc<Counters>,
    pub(crate) availability: Arc<availability::Availability>,
    /// The after-events writes queue in their own transaction.
    pub(super) hook_routes: crate::storage::api::SharedRoutes,
}

#[derive(Default)]
struct Counters {
    commits: AtomicU64,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage").finish_non_exhaustive()
    }
}

use crate::config::redact;

impl PgStorage {
    /// Connects to `url` (`postgres://user@host:port/db`), applies the
    /// migrations and returns the backend; committed effects go to `sink`.
    /// An unreachable database is an [`StoreError::Open`] naming it.
    pub async fn connect(url: &str, sink: Arc<dyn Sink>) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Open(format!("database `{}`: {e}", redact(url))))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let timeout = Some(Duration::from_secs(5));
        let pool = Pool::builder(manager)
            .max_size(16)
            .wait_timeout(timeout)
            .create_timeout(timeout)
            .recycle_timeout(timeout)
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|e| StoreError::Open(format!("database `{}`: {e}", redact(url))))?;
        let mut client = pool.get().await.map_err(|e| {
            StoreError::Open(format!("cannot reach database `{}`: {e}", redact(url)))
        })?;
        migrate::migrate(&mut client).await?;
        drop(client);
        Ok(Self {
            pool,
            sink,
            stripes: Arc::new((0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect()),
            counters: Arc::default(),
            availability: Arc::new(availability::Availability::new()),
            hook_routes: Default::default(),
        })
    }

    /// A pooled connection; `Unavailable` when none can be had in time, and
    /// at once while the database was recently found not answering.
    pub(crate) async fn client(&self) -> StoreResult<Object> {
        self.availability.check()?;
        self.pool.get().await.map_err(|e| {
            // Connecting took too long: the database accepts but does not answer.
            if matches!(e, PoolError::Timeout(TimeoutType::Create)) {
                self.availability
                    .not_answering("no new connection within 5 s");
            }
            StoreError::Unavailable(format!("database pool: {e}"))
        })
    }

    /// The stripe of `key`, held until the returned guard drops.
    pub(crate) async fn stripe(&self, key: &str) -> OwnedMutexGuard<()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        let i = (h.finish() % STRIPES as u64) as usize;
        self.stripes[i].clone().lock_owned().await
    }

    pub(crate) fn committed(&self) {
        self.counters.commits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn commits(&self) -> u64 {
        self.counters.commits.load(Ordering::Relaxed)
    }
}

/// Whether a failed transaction may be run again: after a serialization
/// failure, a deadlock or the dedup backstop; and after a lost connection
/// (a pooled connection that died) as long as COMMIT had not been sent —
/// then nothing of it can have been committed. A connection lost during
/// COMMIT leaves the outcome unknown: that is answered `Unavailable`.
pub(crate) fn may_rerun(e: &StoreError, before_commit: bool) -> bool {
    retryable(e) || (before_commit && matches!(e, StoreError::Unavailable(_)))
}

/// Whether a failed transaction was rolled back for a reason a rerun cures.
pub(crate) fn retryable(e: &StoreError) -> bool {
    let StoreError::Postgres(e) = e else {
        return false;
    };
    let Some(db) = e.as_db_error() else {
        return false;
    };
    match db.code().code() {
        // serialization_failure, deadlock_detected
        "40001" | "40P01" => true,
        // The dedup backstop: a concurrent send of the same (sender, client
        // id) committed first; the rerun finds it.
        "23505" => db.constraint() == Some("messages_client_id_sender_key"),
        _ => false,
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.is_closed() {
            return StoreError::Unavailable(e.to_string());
        }
        match e.code().map(|c| c.code()) {
            // connection_exception, admin/crash shutdown, cannot_connect_now
            Some(c) if c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03") => {
                StoreError::Unavailable(e.to_string())
            }
            Some(_) => StoreError::Postgres(e),
            None => {
                let io = std::error::Error::source(&e)
                    .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some());
                if io {
                    StoreError::Unavailable(e.to_string())
                } else {
                    StoreError::Postgres(e)
                }
            }
        }
    }
}

/// Runs a transaction body on a pooled connection, committing it and retrying
/// it (at most [`RETRIES`] times) on a serialization failure or deadlock.
/// `tx!(self, |tx, out| body)` binds the transaction and a `Vec<Delivery>` the
/// body fills, and yields `StoreResult<(value, deliveries)>`; `tx!(self, |tx|
/// body)` yields `StoreResult<value>`. A macro rather than a closure-taking
/// function: the body borrows the transaction across awaits, which a generic
/// closure cannot express with a `Send` future under `async_trait`.
macro_rules! tx {
    ($this:expr, |$tx:ident, $out:ident| $body:expr) => {
        $crate::storage::postgres::tx!(
            @timeout $crate::storage::postgres::ATTEMPT_TIMEOUT, $this, |$tx, $out| $body
        )
    };
    (@timeout $timeout:expr, $this:expr, |$tx:ident, $out:ident| $body:expr) => {{
        let this = &$this;
        let mut attempt = 0u32;
        // The after-events of the caller's scope, queued before each COMMIT.
        let after_events = $crate::storage::after::take();
        loop {
            // The pool itself timing out is not retried (it waited already).
            let mut client = match this.client().await {
                Ok(c) => c,
                Err(e) => break Err(e),
            };
            // `Err((error, before_commit))`: whether COMMIT was not yet sent.
            let attempt_result = tokio::time::timeout($timeout, async {
                match client.transaction().await {
                    Err(e) => Err(($crate::storage::StoreError::from(e), true)),
                    Ok(raw) => {
                        let $tx = $crate::storage::postgres::Tx::new(raw);
                        #[allow(unused_mut)]
                        let mut $out: Vec<$crate::storage::Delivery> = Vec::new();
                        let body: $crate::storage::StoreResult<_> = async { $body }.await;
                        let queued = match body {
                            Ok(v) if after_events.is_empty() => Ok(v),
                            Ok(v) => $crate::storage::postgres::enqueue_pending(&$tx, &after_events)
                                .await
                                .map(|()| v),
                            Err(e) => Err(e),
                        };
                        match queued {
                            Ok(v) => match $tx.commit().await {
                                Ok(()) => Ok((v, $out)),
                                Err(e) => Err(($crate::storage::StoreError::from(e), false)),
                            },
                            Err(e) => Err((e, true)),
                        }
                    }
                }
            })
            .await;
            // Past the timeout the outcome is unknown (COMMIT may be under
            // way): not rerun, answered `Unavailable`.
            let result = match attempt_result {
                Ok(r) => r,
                Err(_) => break Err(this.availability.abandon(client, $timeout)),
            };
            this.availability
                .observed(result.as_ref().err().map(|(e, _)| e));
            match result {
                Ok(v) => {
                    this.committed();
                    break Ok(v);
                }
                Err((e, before_commit))
                    if attempt < $crate::storage::postgres::RETRIES
                        && $crate::storage::postgres::may_rerun(&e, before_commit) =>
                {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "retrying transaction");
                    tokio::time::sleep(std::time::Duration::from_millis(
                        (5 * u64::from(attempt)) + u64::from(rand::random::<u8>() % 10),
                    ))
                    .await;
                }
                Err((e, _)) => break Err(e),
            }
        }
    }};
    ($this:expr, |$tx:ident| $body:expr) => {{
        let r: $crate::storage::StoreResult<_> = tx!($this, |$tx, _out| $body);
        r.map(|(v, _)| v)
    }};
    (@timeout $timeout:expr, $this:expr, |$tx:ident| $body:expr) => {{
        let r: $crate::storage::StoreResult<_> = tx!(@timeout $timeout, $this, |$tx, _out| $body);
        r.map(|(v, _)| v)
    }};
}
pub(crate) use tx;

/// A read: `read!(self, |tx| body)` runs the body in a read-only transaction
/// (rolled back when it ends; not counted as a write), rerun when a pooled
/// connection turns out to be dead.
macro_rules! read {
    ($this:expr, |$tx:ident| $body:expr) => {{
        let this = &$this;
        let mut attempt = 0u32;
        loop {
            let mut client = match this.client().await {
                Ok(c) => c,
                Err(e) => break Err(e),
            };
            let timeout = $crate::storage::postgres::ATTEMPT_TIMEOUT;
            let attempt_result = tokio::time::timeout(timeout, async {
                match client.build_transaction().read_only(true).start().await {
                    Err(e) => Err($crate::storage::StoreError::from(e)),
                    Ok(raw) => {
                        let $tx = $crate::storage::postgres::Tx::new(raw);
                        async { $body }.await
                    }
                }
            })
            .await;
            let result: $crate::storage::StoreResult<_> = match attempt_result {
                Ok(r) => r,
                Err(_) => break Err(this.availability.abandon(client, timeout)),
            };
            this.availability.observed(result.as_ref().err());
            match result {
                Err($crate::storage::StoreError::Unavailable(_))
                    if attempt < $crate::storage::postgres::RETRIES =>
                {
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use read;

/// A stored id that does not parse.
pub(crate) fn corrupt(e: tern_proto::IdError) -> StoreError {
    StoreError::Corrupt(format!("id: {e}"))
}

/// Parses a stored user id.
pub(crate) fn parse_user(s: String) -> StoreResult<tern_proto::UserId> {
    tern_proto::UserId::new(s).map_err(corrupt)
}

/// A write whose deliveries go to the sink after the commit: holds the stripe
/// of `$key` from before the transaction until the sink has been called, so
/// the pushes of this process keep commit order.
macro_rules! change {
    ($this:expr, $key:expr, |$tx:ident, $out:ident| $body:expr) => {{
        let _stripe = $this.stripe($key).await;
        match $crate::storage::postgres::tx!($this, |$tx, $out| $body) {
            Ok((v, out)) => {
                $this.sink.deliver(&out);
                Ok(v)
            }
            Err(e) => Err(e),
        }
    }};
}
pub(crate) use change;
