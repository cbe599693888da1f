//! `tern-cli listen` stops with exit code 5 once the session ends (here: another
//! `tern-cli` process sharing the data dir, so the same session, logs out; the
//! listener gets `kicked_offline` with reason `logged_out`). Processes sharing a
//! data dir share one device id. The listener's stdin stays open: the kick alone
//! must end the process.

use crate::common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_exits_non_zero_after_the_session_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    signup(&server, dir.path(), "bob").await;

    let (mut listener, mut lines) = spawn(&server, dir.path(), "bob", &["listen"]);
    read_until(&mut lines, |v| v["type"] == "sync_finished").await;

    // Same data dir: same device id in every process.
    let a = ok(&server, dir.path(), "bob", &["whoami"])
        .await
        .json_lines();
    let b = ok(&server, dir.path(), "bob", &["whoami"])
        .await
        .json_lines();
    assert_eq!(a[0]["device"], b[0]["device"]);
    assert!(a[0]["device"].is_string(), "{a:?}");

    ok(&server, dir.path(), "bob", &["logout"]).await;
    let (kicked, _) = read_until(&mut lines, |v| v["type"] == "kicked_offline").await;
    assert_eq!(kicked["reason"], "logged_out");
    // Keep stdin open, as a supervising process does (`Child::wait` would close it,
    // and its EOF alone stops `listen`): the kick must end the process by itself.
    let _stdin = listener.stdin.take().expect("piped stdin");
    let status = tokio::time::timeout(WAIT, listener.wait())
        .await
        .expect("listen exits by itself")
        .unwrap();
    assert_eq!(status.code(), Some(5), "{status:?}");
    server.shutdown().await;
}
