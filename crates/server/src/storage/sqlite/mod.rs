//! The SQLite backend of [`crate::storage`]. One writer thread owns the only write connection and commits
//! queued jobs in batches (group commit); reads run on a small pool of read-only
//! connections on the blocking thread pool. No SQLite call runs on an async worker.

pub mod accounts;
pub mod admin;
pub mod blacklist;
pub mod changelog;
pub mod edits;
pub mod files;
pub mod groups;
pub mod history;
mod mentions;
pub mod messages;
mod migrations;
pub mod pins;
pub mod preferences;
pub mod reactions;
pub mod read_by;
pub mod recall;
pub mod relations;
mod room_admin;
pub mod rooms;
mod send_cache;
#[cfg(test)]
mod send_cache_tests;
mod writer;

mod admin_queries;
mod backend;
mod impl_accounts;
mod impl_groups;
mod impl_messages;
mod impl_operations;
mod impl_preferences;
mod impl_rooms;
mod impl_social;
mod user_admin;
mod webhooks;

pub use backend::SqliteStorage;

use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use parking_lot::Mutex;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot, Semaphore};

pub use changelog::Delivery;
pub use messages::SendArgs;

/// Opens a database file with the server's settings (WAL, `synchronous=FULL`, foreign
/// keys) and brings it to the current schema: what the writer connection gets. For
/// tools that must store rows exactly as the server does (tern-bench's SQLite relay).
pub fn open_with_schema(path: &Path) -> StoreResult<Connection> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(WRITER_PRAGMAS)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// The writer connection's settings.
const WRITER_PRAGMAS: &str =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;";
use writer::Job;

pub use crate::storage::{now_ms, StoreError, StoreResult};

/// Cheap-to-clone handle on the database.
#[derive(Clone)]
pub struct Store {
    /// Queue of write jobs for the writer thread.
    jobs: mpsc::Sender<Job>,
    /// Idle read-only connections; a read takes one (or opens one) and returns it.
    readers: Arc<Mutex<Vec<Connection>>>,
    /// Path of the database file, to open more readers.
    path: Arc<Path>,
    /// Most idle readers kept; extra ones opened under a burst are closed after
    /// use, so their page caches do not stay resident (tern-bench S4).
    max_idle_readers: usize,
    /// Reads running at once, at most: one per pooled reader. A burst (a thousand
    /// logins at once) waits here instead of taking a blocking thread and a new
    /// SQLite connection per read: tokio keeps an idle blocking thread (its stack,
    /// the allocator's per-thread pages) for 10 s, and an extra reader has its own
    /// page cache (tern-bench peers: 63 more threads after 1,000 logins).
    read_slots: Arc<Semaphore>,
    /// Group-commit counters.
    stats: Arc<WriterStats>,
}

/// Counters kept by the writer thread (reported by `/health`).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: AtomicU64,
    /// Write jobs run (the ratio jobs/batches is the group-commit factor).
    pub jobs: AtomicU64,
}

impl Store {
    /// Opens (creating and migrating if needed) `dir/tern.db` and starts the
    /// writer thread. The thread stops once every `Store` clone is dropped.
    pub fn open(
        dir: &Path,
        max_batch: usize,
        readers: usize,
    ) -> StoreResult<(Store, std::thread::JoinHandle<()>)> {
        Self::open_file(&dir.join("tern.db"), max_batch, readers)
    }

    /// Like [`Store::open`], for the database file at `file`.
    pub fn open_file(
        file: &Path,
        max_batch: usize,
        readers: usize,
    ) -> StoreResult<(Store, std::thread::JoinHandle<()>)> {
        let path: Arc<Path> = file.into();
        // The database and its -wal/-shm files are private (0600).
        let private = |p: &Path| {
            crate::fsperm::private_file(p)
                .map_err(|e| StoreError::Open(format!("{}: {e}", p.display())))
        };
        crate::fsperm::precreate_private(&path)
            .map_err(|e| StoreError::Open(format!("{}: {e}", path.display())))?;
        for suffix in ["-wal", "-shm"] {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            private(Path::new(&name))?;
        }
        let conn = open_with_schema(&path)?;
        // Every hot statement is prepared once and reused (`prepare_cached`).
        conn.set_prepared_statement_cache_capacity(128);
        let (tx, rx) = mpsc::channel(4096);
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("tern-sqlite-writer".into())
            .spawn(move || writer::run(conn, rx, max_batch.max(1), &thread_stats))
            .map_err(|e| StoreError::Open(format!("spawning writer: {e}")))?;
        let pool = (0..readers)
            .map(|_| open_reader(&path))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((
            Store {
                jobs: tx,
                readers: Arc::new(Mutex::new(pool)),
                path,
                max_idle_readers: readers.max(1),
                read_slots: Arc::new(Semaphore::new(readers.max(1))),
                stats,
            },
            thread,
        ))
    }

    /// Group-commit counters.
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Runs `f` in the writer's next batch transaction and returns its result once committed.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.write_then(f, |_| {}).await
    }

    /// Like [`Store::write`], and runs `after` right after the commit, in commit
    /// order (used to push events in the order they were stored), before answering.
    pub async fn write_then<T, F, A>(&self, f: F, after: A) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        self.submit_then(f, after)
            .await?
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Queues the job like [`Store::write_then`] but returns as soon as it is
    /// queued, with a receiver for the committed result. Jobs queued in order
    /// commit in order, so a connection can pipeline its writes.
    pub async fn submit_then<T, F, A>(
        &self,
        f: F,
        after: A,
    ) -> StoreResult<oneshot::Receiver<StoreResult<T>>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        // The full way: in its own savepoint, the send cache written out first.
        let f = move |c: &Connection, cache: Option<&mut send_cache::SendCache>| match cache {
            Some(cache) => writer::full(c, cache, f),
            None => f(c),
        };
        self.submit_cached_then(f, after).await
    }

    /// Like [`Store::submit_then`] for a job that may use the writer's send
    /// cache: `f` gets it (`Some`) unless the job must run the full way in a
    /// savepoint (`None`: the caller's scope has after-events to store with it).
    async fn submit_cached_then<T, F, A>(
        &self,
        f: F,
        after: A,
    ) -> StoreResult<oneshot::Receiver<StoreResult<T>>>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, Option<&mut send_cache::SendCache>) -> StoreResult<T>
            + Send
            + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        // The after-events of the caller's scope go into this job's transaction.
        let events = crate::storage::after::take();
        let f = move |c: &Connection, cache: &mut send_cache::SendCache| {
            if events.is_empty() {
                return f(c, Some(cache));
            }
            writer::full(c, cache, |c| {
                let value = f(c, None)?;
                webhooks::enqueue_pending(c, &events)?;
                Ok(value)
            })
        };
        let job = writer::job(f, after, tx);
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        Ok(rx)
    }

    /// Runs the read-only query `f` on a pooled connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let readers = self.readers.clone();
        let path = self.path.clone();
        let max_idle = self.max_idle_readers;
        let slot = self
            .read_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        tokio::task::spawn_blocking(move || {
            // Given back when the read is done, even if the caller stopped waiting.
            let _slot = slot;
            let conn = readers.lock().pop();
            let conn = match conn {
                Some(c) => c,
                None => open_reader(&path)?,
            };
            let out = f(&conn);
            let mut idle = readers.lock();
            if idle.len() < max_idle {
                idle.push(conn);
            }
            out
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.execute_batch("PRAGMA busy_timeout=5000;")?;
    Ok(conn)
}

#[cfg(test)]
mod store_tests;
