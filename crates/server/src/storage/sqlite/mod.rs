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
mod mentions;
pub mod messages;
mod migrations;
pub mod pins;
pub mod preferences;
pub mod reactions;
pub mod read_by;
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
        let (tx, rx) = oneshot::channel();
        // The after-events of the caller's scope go into this job's transaction.
        let events = crate::storage::after::take();
        let f = move |c: &Connection| {
            let value = f(c)?;
            webhooks::enqueue_pending(c, &events)?;
            Ok(value)
        };
        let job = writer::job(f, after, tx);
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        Ok(rx)
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
        let job = writer::cached_job(f, after, tx);
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
mod tests {
    use tern_proto::ErrorCode;

    use super::*;

    fn insert_user(c: &Connection, id: &str) -> StoreResult<()> {
        c.execute(
            "INSERT INTO users (id, password_hash, created_at) VALUES (?1, 'h', 0)",
            [id],
        )?;
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_reads_runs_at_most_one_per_pooled_reader_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let (store, thread) = Store::open(dir.path(), 64, 2).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let reads = (0..40).map(|_| {
            let (store, running, most) = (store.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                store
                    .read(move |c| {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        let n: i64 = c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(n)
                    })
                    .await
            })
        });
        for r in reads.collect::<Vec<_>>() {
            assert_eq!(r.await.unwrap().unwrap(), 0);
        }
        // Without the slots, 40 blocking threads (and readers) would run at once.
        assert_eq!(most.load(Ordering::SeqCst), 2);
        drop(store);
        thread.join().unwrap();
    }

    /// After-commit hooks run in commit order, each after its job's commit, and a
    /// caller hears back only once its hook has run — over many batches, with the
    /// completions on their own thread (writer.rs).
    #[tokio::test]
    async fn after_hooks_run_in_commit_order_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let (store, writer) = Store::open(dir.path(), 8, 1).unwrap();
        store
            .write(|c| Ok(c.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY)")?))
            .await
            .unwrap();
        let seen: Arc<Mutex<Vec<(i64, i64)>>> = Arc::default();
        let mut pending = Vec::new();
        for n in 0..400i64 {
            let (seen, path) = (seen.clone(), dir.path().join("tern.db"));
            let rx = store
                .submit_then(
                    move |c| {
                        c.execute("INSERT INTO t (n) VALUES (?1)", [n])?;
                        Ok(n)
                    },
                    move |n: &i64| {
                        // Committed: another connection sees the row (checked on every 20th).
                        let found = if n % 20 == 0 {
                            let other = open_reader(&path).unwrap();
                            other
                                .query_row("SELECT count(*) FROM t WHERE n = ?1", [n], |r| r.get(0))
                                .unwrap()
                        } else {
                            1
                        };
                        seen.lock().push((*n, found));
                    },
                )
                .await
                .unwrap();
            pending.push((n, rx));
        }
        for (n, rx) in pending {
            assert_eq!(rx.await.unwrap().unwrap(), n);
            assert!(
                seen.lock().iter().any(|(m, _)| *m == n),
                "job {n} answered before its hook ran"
            );
        }
        let seen = seen.lock().clone();
        let order: Vec<i64> = seen.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, (0..400).collect::<Vec<_>>());
        assert!(seen.iter().all(|(_, found)| *found == 1), "{seen:?}");
        let batches = store
            .stats()
            .batches
            .load(std::sync::atomic::Ordering::Relaxed);
        assert!(batches >= 400 / 8, "{batches} batches");
        drop(store);
        writer.join().unwrap();
    }

    #[tokio::test]
    async fn a_failing_job_does_not_spoil_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (store, thread) = Store::open(dir.path(), 64, 1).unwrap();
        let a = store
            .submit_then(|c| insert_user(c, "a"), |_| {})
            .await
            .unwrap();
        let b = store
            .submit_then(
                |c| {
                    insert_user(c, "b")?;
                    Err::<(), _>(StoreError::rejected(
                        ErrorCode::NotFound,
                        "refused after writing",
                    ))
                },
                |_| panic!("after-commit hook of a failed job must not run"),
            )
            .await
            .unwrap();
        let dup = store
            .submit_then(|c| insert_user(c, "a"), |_| {})
            .await
            .unwrap();
        let c = store
            .submit_then(|c| insert_user(c, "c"), |_| {})
            .await
            .unwrap();
        assert!(a.await.unwrap().is_ok());
        assert!(matches!(b.await.unwrap(), Err(StoreError::Rejected(_))));
        assert!(
            matches!(dup.await.unwrap(), Err(StoreError::Sqlite(_))),
            "primary key violation"
        );
        assert!(c.await.unwrap().is_ok());
        let ids = store
            .read(|c| {
                let mut stmt = c.prepare("SELECT id FROM users ORDER BY id")?;
                let ids = stmt
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(ids)
            })
            .await
            .unwrap();
        assert_eq!(ids, ["a", "c"]);
        drop(store);
        thread.join().unwrap();
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone_and_the_writer_survives() {
        let dir = tempfile::tempdir().unwrap();
        let (store, thread) = Store::open(dir.path(), 64, 1).unwrap();
        let boom = store
            .submit_then(
                |c| {
                    insert_user(c, "x")?;
                    panic!("bug in a job")
                },
                |_: &()| {},
            )
            .await
            .unwrap();
        assert!(matches!(boom.await.unwrap(), Err(StoreError::Commit(_))));
        store.write(|c| insert_user(c, "y")).await.unwrap();
        let n: i64 = store
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 1, "the panicking job's write was rolled back");
        drop(store);
        thread.join().unwrap();
    }

    #[tokio::test]
    async fn migrations_are_recorded_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..2 {
            let (store, thread) = Store::open(dir.path(), 8, 1).unwrap();
            let v: i64 = store
                .read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
                .await
                .unwrap();
            assert_eq!(v as usize, migrations::MIGRATIONS.len());
            let mode: String = store
                .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            drop(store);
            thread.join().unwrap();
        }
    }
}
