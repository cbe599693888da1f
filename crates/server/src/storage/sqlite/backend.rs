//! [`SqliteStorage`]: the storage interface over [`Store`] (one writer thread
//! with group commit, a read pool). Each write runs in the writer's next batch;
//! its deliveries go to the sink right after the commit (on the writer's completer thread),
//! so they keep commit order.

use std::sync::Arc;

use rusqlite::Connection;

use super::Store;
use crate::storage::{Delivery, Sink, StoreResult};

/// The SQLite backend of [`crate::storage::Storage`].
#[derive(Clone)]
pub struct SqliteStorage {
    /// The database.
    pub(super) store: Store,
    /// Where committed effects go.
    pub(super) sink: Arc<dyn Sink>,
    /// The after-events writes queue in their own transaction.
    pub(super) hook_routes: crate::storage::api::SharedRoutes,
}

impl SqliteStorage {
    /// Wraps an open store; committed effects go to `sink`.
    pub fn new(store: Store, sink: Arc<dyn Sink>) -> Self {
        Self {
            store,
            sink,
            hook_routes: Default::default(),
        }
    }

    /// The underlying store (tests and benchmarks).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs `f` in the writer; the deliveries it queued go to the sink after the commit.
    pub(super) async fn change<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &mut Vec<Delivery>) -> StoreResult<T> + Send + 'static,
    {
        let sink = self.sink.clone();
        let (value, _) = self
            .store
            .write_then(
                move |c| {
                    let mut out = Vec::new();
                    let value = f(c, &mut out)?;
                    Ok((value, out))
                },
                move |(_, out): &(T, Vec<Delivery>)| sink.deliver(out),
            )
            .await?;
        Ok(value)
    }

    /// Runs the read-only `f` on a pooled connection.
    pub(super) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.store.read(f).await
    }
}
