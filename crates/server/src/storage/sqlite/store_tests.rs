//! The store's writer and read pool: group commit, commit order, read slots.

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
