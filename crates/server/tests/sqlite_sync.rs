//! The server's SQLite commits sync with `fdatasync`, never `fsync`: the bundled
//! SQLite is built with `HAVE_FDATASYNC` (`.cargo/config.toml`'s `LIBSQLITE3_FLAGS`;
//! without it sqlite3.c `#define`s `fdatasync` to `fsync`). Its own test binary:
//! this file defines `fsync` and `fdatasync`, so every call from the statically
//! linked SQLite (and from anything else in this binary) comes here first, is
//! counted, and goes on to the kernel.

use std::sync::atomic::{AtomicUsize, Ordering};

static FSYNCS: AtomicUsize = AtomicUsize::new(0);
static FDATASYNCS: AtomicUsize = AtomicUsize::new(0);

/// libc's `fsync`, counted.
#[no_mangle]
pub extern "C" fn fsync(fd: libc::c_int) -> libc::c_int {
    FSYNCS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the raw system call with the caller's descriptor, as libc's wrapper makes it.
    unsafe { libc::syscall(libc::SYS_fsync, fd) as libc::c_int }
}

/// libc's `fdatasync`, counted.
#[no_mangle]
pub extern "C" fn fdatasync(fd: libc::c_int) -> libc::c_int {
    FDATASYNCS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_fdatasync, fd) as libc::c_int }
}

#[test]
fn the_writer_connection_syncs_every_commit_and_checkpoint_with_fdatasync_not_fsync() {
    let dir = tempfile::tempdir().unwrap();
    // The writer connection's settings (WAL, synchronous=FULL) and the server's schema.
    let conn = tern_server::storage::sqlite::open_with_schema(&dir.path().join("tern.db")).unwrap();
    conn.execute_batch("CREATE TABLE probe (n INTEGER NOT NULL)")
        .unwrap();
    let fsyncs = FSYNCS.load(Ordering::SeqCst);
    let fdatasyncs = FDATASYNCS.load(Ordering::SeqCst);
    for n in 0..20 {
        conn.execute("INSERT INTO probe (n) VALUES (?1)", [n])
            .unwrap();
    }
    // A checkpoint: the database file written and synced too.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    let fsyncs = FSYNCS.load(Ordering::SeqCst) - fsyncs;
    let fdatasyncs = FDATASYNCS.load(Ordering::SeqCst) - fdatasyncs;
    assert_eq!(
        fsyncs, 0,
        "SQLite called fsync {fsyncs} times for 20 commits and a checkpoint (built without HAVE_FDATASYNC?)"
    );
    assert!(
        fdatasyncs >= 20,
        "20 commits, {fdatasyncs} fdatasync calls: the counting wrappers saw no sync"
    );
}
