//! The per-account SQLite cache (`<data_dir>/<account dir>/tern.db`, WAL; see
//! [`crate::private_fs`] for the name and the file modes).
//!
//! One dedicated thread owns the connection; async code sends it closures through
//! [`Db::call`] and awaits the answer, so SQLite never blocks the tokio runtime.

pub(crate) mod conversations;
pub(crate) mod edits;
pub(crate) mod files;
pub(crate) mod groups;
pub(crate) mod index_progress;
pub(crate) mod messages;
pub(crate) mod notices;
pub(crate) mod outgoing;
pub(crate) mod preferences;
pub(crate) mod reactions;
pub(crate) mod relations;
mod rows;
mod schema;
pub(crate) mod search;
mod unread;

use std::path::Path;
use std::sync::{mpsc, Arc};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::{Error, Result};
use crate::types::SearchIndexState;
use index_progress::{IndexProgress, SEARCH_INDEX_CHUNK};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// No job for this long: index a chunk of pending messages for search.
const IDLE_INDEX_AFTER: std::time::Duration = std::time::Duration::from_millis(100);
/// Messages indexed per idle chunk (a few tens of ms; jobs wait at most that long).
const IDLE_INDEX_CHUNK: usize = 500;
/// How often an idle thread with nothing to index looks again.
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Handle to the database thread; cheap to clone.
#[derive(Clone)]
pub(crate) struct Db {
    jobs: mpsc::Sender<Job>,
    /// How far the deferred search index has caught up (read without a job).
    progress: Arc<IndexProgress>,
}

impl Db {
    /// Opens (creating and migrating) the database at `path` on a new thread.
    pub(crate) async fn open(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent() {
            crate::private_fs::create_private_dir_all(dir)?;
        }
        let path = path.to_owned();
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let progress = Arc::new(IndexProgress::default());
        let idle_progress = progress.clone();
        std::thread::Builder::new()
            .name("tern-db".into())
            .spawn(move || {
                let mut conn = match schema::open(&path) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                // Search indexing is deferred (see `search`): when no job has come
                // for a moment, index a chunk of pending messages, then look again.
                let mut idle = IDLE_INDEX_AFTER;
                loop {
                    match rx.recv_timeout(idle) {
                        Ok(job) => {
                            job(&mut conn);
                            idle = IDLE_INDEX_AFTER;
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            idle = match idle_progress.catch_up(&conn, IDLE_INDEX_CHUNK) {
                                Ok(n) if n > 0 => std::time::Duration::ZERO,
                                _ => IDLE_POLL,
                            };
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        ready_rx.await.map_err(|_| Error::Closed)??;
        Ok(Db { jobs, progress })
    }

    /// Where the deferred search index stands (no database job: answers at once,
    /// also while a search is catching the index up).
    pub(crate) fn index_state(&self) -> SearchIndexState {
        self.progress.state()
    }

    /// Brings the search index up to date in chunks of [`SEARCH_INDEX_CHUNK`], one
    /// job each, recording the progress ([`Self::index_state`]) as it goes.
    pub(crate) async fn catch_up_index(&self) -> Result<()> {
        let p = self.progress.clone();
        if self.call(move |c| p.begin(c)).await? == 0 {
            return Ok(());
        }
        loop {
            let p = self.progress.clone();
            if self
                .call(move |c| p.catch_up(c, SEARCH_INDEX_CHUNK))
                .await?
                == 0
            {
                return Ok(());
            }
        }
    }

    /// Runs `f` on the database thread and returns its result.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.jobs.send(job).map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }
}

/// Current time in ms since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A migrated database in a temporary directory that is left behind (unit tests).
#[cfg(test)]
pub(crate) fn open_temp() -> Connection {
    let dir = tempfile::tempdir().unwrap();
    let c = schema::open(&dir.path().join("t.db")).unwrap();
    std::mem::forget(dir);
    c
}
