//! `tern-cli passwd` and `tern-cli sign-out-others` (issue 16): run on one
//! device, they end the sessions of the user's other devices — a `listen` there
//! gets `kicked_offline` and exits 5 — while this device stays signed in; after
//! `passwd` only the new password logs in.

use crate::common;

use common::*;

async fn kicked_listen_exits(
    server: &tern_server::ServerHandle,
    dir: &std::path::Path,
    reason: &str,
    act: impl std::future::Future<Output = Out>,
) {
    let (mut listener, mut lines) = spawn(server, dir, "bob", &["listen"]);
    read_until(&mut lines, |v| v["type"] == "sync_finished").await;
    let out = act.await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (kicked, _) = read_until(&mut lines, |v| v["type"] == "kicked_offline").await;
    assert_eq!(kicked["reason"], reason, "{kicked}");
    let _stdin = listener.stdin.take();
    let status = tokio::time::timeout(WAIT, listener.wait())
        .await
        .expect("listen exits by itself")
        .unwrap();
    assert_eq!(status.code(), Some(5), "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwd_and_sign_out_others_end_the_other_devices_only() {
    // Two devices of bob: two data dirs.
    let (laptop, phone) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start_server(laptop.path()).await;
    signup(&server, laptop.path(), "bob").await;
    ok(
        &server,
        phone.path(),
        "bob",
        &["login", "bob", "password123"],
    )
    .await;

    let passwd = ok(
        &server,
        laptop.path(),
        "bob",
        &["passwd", "password123", "a new password"],
    );
    kicked_listen_exits(&server, phone.path(), "password_changed", passwd).await;
    // The laptop is still signed in; the phone needs the new password.
    ok(
        &server,
        laptop.path(),
        "bob",
        &["profile", "--nickname", "Bob"],
    )
    .await;
    let old = run(
        &server,
        phone.path(),
        "bob",
        &["login", "bob", "password123"],
    )
    .await;
    assert_ne!(old.code, 0, "the old password still works: {}", old.stdout);
    ok(
        &server,
        phone.path(),
        "bob",
        &["login", "bob", "a new password"],
    )
    .await;

    let others = ok(&server, laptop.path(), "bob", &["sign-out-others"]);
    kicked_listen_exits(&server, phone.path(), "logged_out", others).await;
    ok(
        &server,
        laptop.path(),
        "bob",
        &["profile", "--nickname", "Bob"],
    )
    .await;
    server.shutdown().await;
}
