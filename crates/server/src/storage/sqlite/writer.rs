//! The writer thread: group commit of queued write jobs.

use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::{StoreError, StoreResult, WriterStats};

/// What a job hands back after running inside the batch transaction: a
/// function told whether the batch committed, which answers the caller.
pub(super) type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;

/// One queued write: runs inside the batch transaction (in its own savepoint).
pub(super) type Job = Box<dyn FnOnce(&Connection) -> Completion + Send>;

/// Wraps `f` so that its effects are isolated in a savepoint (a failing job
/// does not spoil the batch) and its caller hears back only after the commit.
/// Runs a statement without parameters through the statement cache: the writer
/// runs these for every job, and re-parsing them showed up in profiles.
fn exec_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

pub(super) fn job<T, F, A>(f: F, after: A, reply: oneshot::Sender<StoreResult<T>>) -> Job
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    A: FnOnce(&T) + Send + 'static,
{
    Box::new(move |conn: &Connection| {
        let result = match exec_cached(conn, "SAVEPOINT job") {
            Ok(()) => {
                // A panicking job must not take the writer thread down with it.
                let r = catch_unwind(AssertUnwindSafe(|| f(conn)))
                    .unwrap_or_else(|_| Err(StoreError::Commit("write job panicked".into())));
                let end = if r.is_ok() {
                    exec_cached(conn, "RELEASE job")
                } else {
                    exec_cached(conn, "ROLLBACK TO job")
                        .and_then(|()| exec_cached(conn, "RELEASE job"))
                };
                match end {
                    Ok(()) => r,
                    Err(e) => Err(StoreError::Sqlite(e)),
                }
            }
            Err(e) => Err(StoreError::Sqlite(e)),
        };
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
        }) as Completion
    })
}

/// A committed (or failed) batch's completions, run by the completer thread.
type Done = (Result<(), String>, Vec<Completion>);

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
            for (commit, completions) in done_rx {
                complete(commit, completions);
                completer_handed.fetch_sub(1, Ordering::Release);
            }
        });
    match completer {
        Ok(handle) => {
            write_loop(
                conn,
                rx,
                max_batch,
                stats,
                |(commit, completions), waiting| {
                    if !waiting && handed.load(Ordering::Acquire) == 0 {
                        complete(commit, completions);
                    } else {
                        handed.fetch_add(1, Ordering::AcqRel);
                        // The completer only stops once this sender is dropped.
                        let _ = done_tx.send((commit, completions));
                    }
                },
            );
            drop(done_tx);
            let _ = handle.join();
        }
        // No second thread: complete each batch here, as it commits.
        Err(e) => {
            tracing::warn!(error = %e, "no completer thread; completing on the writer");
            write_loop(conn, rx, max_batch, stats, |(commit, completions), _| {
                complete(commit, completions)
            });
        }
    }
    tracing::debug!("writer thread stopped");
}

fn complete(commit: Result<(), String>, completions: Vec<Completion>) {
    for c in completions {
        c(commit.clone());
    }
}

fn write_loop(
    conn: Connection,
    mut rx: mpsc::Receiver<Job>,
    max_batch: usize,
    stats: &WriterStats,
    mut done: impl FnMut(Done, bool),
) {
    let mut batch = Vec::with_capacity(max_batch);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let begun = conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| e.to_string());
        let completions: Vec<Completion> = match &begun {
            Ok(()) => batch.drain(..).map(|j| j(&conn)).collect(),
            Err(_) => Vec::new(),
        };
        let commit = begun.and_then(|()| {
            conn.execute_batch("COMMIT").map_err(|e| {
                let _ = conn.execute_batch("ROLLBACK");
                e.to_string()
            })
        });
        if let Err(e) = &commit {
            tracing::error!(error = %e, "batch commit failed");
            for j in batch.drain(..) {
                // The transaction never began: fail these jobs without running them.
                drop(j);
            }
        }
        if commit.is_ok() {
            stats.batches.fetch_add(1, Ordering::Relaxed);
            stats
                .jobs
                .fetch_add(completions.len() as u64, Ordering::Relaxed);
        }
        done((commit, completions), !rx.is_empty());
    }
}
