//! The writer thread: group commit of queued write jobs.

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::send_cache::SendCache;
use super::{StoreError, StoreResult, WriterStats};

/// What a job hands back after running inside the batch transaction: a
/// function told whether the batch committed, which answers the caller.
pub(super) type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

/// One queued write: runs inside the batch transaction, with the writer's
/// [`SendCache`].
pub(super) type Job = Box<dyn FnOnce(&Connection, &mut SendCache) -> Completion + Send>;

/// Runs a statement without parameters through the statement cache: the writer
/// runs these for every job, and re-parsing them showed up in profiles.
fn exec_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// A queued job that answers its caller after the commit. `f` gets the send
/// cache and runs without a savepoint, so it may write only what one statement
/// does (or nothing) before it takes [`full`] — which every job but a fast
/// send takes at once (`Store::submit_then`). A panic stops the batch's
/// commit, since what the cache remembered is then unknown.
pub(super) fn job<T, F, A>(f: F, after: A, reply: oneshot::Sender<StoreResult<T>>) -> Job
where
    T: Send + 'static,
    F: FnOnce(&Connection, &mut SendCache) -> StoreResult<T> + Send + 'static,
    A: FnOnce(&T) + Send + 'static,
{
    Box::new(move |conn: &Connection, cache: &mut SendCache| {
        let r = catch_unwind(AssertUnwindSafe(|| f(conn, &mut *cache))).unwrap_or_else(|_| {
            cache.poison("write job panicked");
            Err(StoreError::Commit("write job panicked".into()))
        });
        completion(r, after, reply)
    })
}

/// Runs `f` the full way: the send cache written out and forgotten, then `f`
/// in its own savepoint, rolled back if it fails or panics.
pub(super) fn full<T>(
    conn: &Connection,
    cache: &mut SendCache,
    f: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    cache.flush_and_forget(conn);
    exec_cached(conn, "SAVEPOINT job")?;
    // A panicking job must not take the writer thread down with it.
    let r = catch_unwind(AssertUnwindSafe(|| f(conn)))
        .unwrap_or_else(|_| Err(StoreError::Commit("write job panicked".into())));
    let end = if r.is_ok() {
        exec_cached(conn, "RELEASE job")
    } else {
        exec_cached(conn, "ROLLBACK TO job").and_then(|()| exec_cached(conn, "RELEASE job"))
    };
    end?;
    r
}

/// What answers the caller once the batch's commit is known.
fn completion<T, A>(
    result: StoreResult<T>,
    after: A,
    reply: oneshot::Sender<StoreResult<T>>,
) -> Completion
where
    T: Send + 'static,
    A: FnOnce(&T) + Send + 'static,
{
    Box::new(move |commit: Result<(), String>| {
        let out = match (commit, result) {
            (Err(e), _) => Err(StoreError::Commit(e)),
            (Ok(()), Ok(t)) => {
                if catch_unwind(AssertUnwindSafe(|| after(&t))).is_err() {
                    tracing::error!("after-commit hook panicked");
                }
                Ok(t)
            }
            (Ok(()), Err(e)) => Err(e),
        };
        let _ = reply.send(out);
    })
}

/// A committed (or failed) batch's completions, run by the completer thread,
/// and how many of the first ones lost their work to a rollback by SQLite.
type Done = (Result<(), String>, Vec<Completion>, usize);

/// Batches whose completions wait for the completer thread, at most: past this
/// the writer waits (the completer is slower than the disk), so the replies
/// and pushes owed never pile up unbounded.
const COMPLETER_QUEUE: usize = 8;

/// Drains the job queue: every wake-up takes all queued jobs (up to
/// `max_batch`), runs them in one transaction and commits once. A batch's
/// completions (answering each caller, the after-commit pushes: encoding the
/// frames, waking the connections) run right here when no job is waiting — a
/// thread hop would only add latency (S1) — and on a second thread, in commit
/// order, when jobs are waiting, so that this one runs the next batch
/// meanwhile: with one writer, the writer thread is S2's limit
/// (docs/benchmarks.md, issue 21, 2026-12-06).
pub(super) fn run(
    conn: Connection,
    rx: mpsc::Receiver<Job>,
    max_batch: usize,
    stats: &WriterStats,
) {
    let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Done>(COMPLETER_QUEUE);
    // Batches handed to the completer and not finished yet: a batch is completed
    // here only when this is 0, so every batch completes after the ones before it.
    let handed = Arc::new(AtomicUsize::new(0));
    let completer_handed = handed.clone();
    let completer = std::thread::Builder::new()
        .name("tern-sqlite-done".into())
        .spawn(move || {
            for batch in done_rx {
                complete(batch);
                completer_handed.fetch_sub(1, Ordering::Release);
            }
        });
    match completer {
        Ok(handle) => {
            write_loop(conn, rx, max_batch, stats, |batch, waiting| {
                if !waiting && handed.load(Ordering::Acquire) == 0 {
                    complete(batch);
                } else {
                    handed.fetch_add(1, Ordering::AcqRel);
                    // The completer only stops once this sender is dropped.
                    let _ = done_tx.send(batch);
                }
            });
            drop(done_tx);
            let _ = handle.join();
        }
        // No second thread: complete each batch here, as it commits.
        Err(e) => {
            tracing::warn!(error = %e, "no completer thread; completing on the writer");
            write_loop(conn, rx, max_batch, stats, |batch, _| complete(batch));
        }
    }
    tracing::debug!("writer thread stopped");
}

fn complete((commit, completions, lost): Done) {
    for (i, c) in completions.into_iter().enumerate() {
        if i < lost {
            c(Err("the transaction was rolled back by SQLite".into()));
        } else {
            c(commit.clone());
        }
    }
}

fn begin(conn: &Connection) -> Result<(), String> {
    exec_cached(conn, "BEGIN IMMEDIATE").map_err(|e| e.to_string())
}

fn write_loop(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    stats: &WriterStats,
    mut done: impl FnMut(Done, bool),
) {
    let mut batch = Vec::with_capacity(max_batch);
    let mut cache = SendCache::default();
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let mut begun = begin(&conn);
        let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
        // The completions before this index ran in a transaction that SQLite
        // rolled back by itself (a full disk, an I/O error): their work is gone.
        let mut lost = 0;
        if begun.is_ok() {
            for j in batch.drain(..) {
                if conn.is_autocommit() {
                    // The rest of the batch runs in a new transaction; what the
                    // cache remembered of the lost one ran ahead of the database.
                    cache.forget();
                    lost = completions.len();
                    if let Err(e) = begin(&conn) {
                        begun = Err(e);
                        break;
                    }
                }
                completions.push(j(&conn, &mut cache));
            }
        }
        let commit = begun.and_then(|()| {
            if conn.is_autocommit() {
                cache.forget();
                lost = completions.len();
                return Err("the transaction was rolled back by SQLite".to_string());
            }
            // The fast sends' counters and read marks, then the commit — unless
            // writing them (or a job) failed in a way that spoils the batch.
            cache.flush(&conn);
            match cache.end_batch() {
                Some(e) => {
                    let _ = conn.execute_batch("ROLLBACK");
                    Err(e)
                }
                None => exec_cached(&conn, "COMMIT").map_err(|e| {
                    let _ = conn.execute_batch("ROLLBACK");
                    e.to_string()
                }),
            }
        });
        if let Err(e) = &commit {
            cache.forget();
            tracing::error!(error = %e, "batch commit failed");
            for j in batch.drain(..) {
                // No transaction to run them in: fail these jobs without running them.
                drop(j);
            }
        }
        if commit.is_ok() {
            stats.batches.fetch_add(1, Ordering::Relaxed);
            stats
                .jobs
                .fetch_add(completions.len() as u64, Ordering::Relaxed);
        }
        done((commit, completions, lost), !rx.is_empty());
    }
}
