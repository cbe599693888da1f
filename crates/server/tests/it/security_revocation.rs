//! Attack: keep `resume` requests in flight while an admin revokes the user's
//! sessions (force-offline, password reset, deletion), hoping a connection gets
//! registered after the revocation and survives it. Every round must end with
//! no connection of the user left, and no survivor may send.

use crate::admin_support;
use crate::common;

use std::time::Duration;

use admin_support::Admin;
use common::{Client, TestServer};
use serde_json::json;
use tern_proto::{Platform, Response};
use tokio::sync::Barrier;

/// Connections racing the revocation in each round.
const RACERS: usize = 6;

/// Online sessions of `user` per the admin API.
async fn online(admin: &Admin, user: &str) -> usize {
    let answer = admin.get("/admin/sessions").await;
    answer.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["user"] == user)
        .count()
}

/// Waits up to 3 s for `user` to have no online connection; returns how many remain.
async fn survivors(admin: &Admin, user: &str) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let n = online(admin, user).await;
        if n == 0 || tokio::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One round: `RACERS` fresh connections resume `token` while `revoke` runs.
/// Returns the clients whose resume succeeded.
async fn race(server: &TestServer, token: &str, revoke: impl std::future::Future) -> Vec<Client> {
    let barrier = std::sync::Arc::new(Barrier::new(RACERS + 1));
    let mut tasks = Vec::new();
    for _ in 0..RACERS {
        let (addr, token, barrier) = (server.addr(), token.to_string(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let mut c = Client::greeted(addr).await;
            barrier.wait().await;
            let ok = c.resume(&token).await.is_ok();
            ok.then_some(c)
        }));
    }
    barrier.wait().await;
    revoke.await;
    let mut resumed = Vec::new();
    for t in tasks {
        if let Some(c) = t.await.unwrap() {
            resumed.push(c);
        }
    }
    resumed
}

async fn login_token(server: &TestServer, user: &str) -> String {
    let mut c = Client::greeted(server.addr()).await;
    match c.login(user, "setup", Platform::Desktop).await.unwrap() {
        Response::Session { token, .. } => token,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn force_offline_and_password_reset_leave_no_survivor() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    admin.create_user("bob").await;
    let mut total_resumed = 0;
    for round in 0..40 {
        let token = login_token(&server, "alice").await;
        let resumed = if round % 2 == 0 {
            race(
                &server,
                &token,
                admin.post("/admin/users/alice/force-offline", json!({})),
            )
            .await
        } else {
            let body = json!({ "password": common::PASSWORD });
            race(
                &server,
                &token,
                admin.post("/admin/users/alice/password", body),
            )
            .await
        };
        total_resumed += resumed.len();
        assert_eq!(survivors(&admin, "alice").await, 0, "round {round}");
        for mut c in resumed {
            // A connection that resumed before the revocation is closed by it.
            assert!(c.closed().await.is_some(), "round {round}: not closed");
        }
    }
    // The race ran both ways: some resumes won before the revocation.
    eprintln!("connections resumed before a revocation: {total_resumed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deleted_account_keeps_no_connection() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    for round in 0..10 {
        let name = format!("victim{round}");
        admin.create_user(&name).await;
        let token = login_token(&server, &name).await;
        let path = format!("/admin/users/{name}");
        let resumed = race(&server, &token, admin.delete(&path)).await;
        assert_eq!(survivors(&admin, &name).await, 0, "round {round}");
        for mut c in resumed {
            // Kicked (`account_deleted`) and closed: nothing more can be sent.
            assert!(c.closed().await.is_some(), "round {round}: not closed");
        }
    }
}

#[tokio::test]
async fn second_force_offline_ends_every_connection() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let mut a1 = server.user("alice").await;
    let mut a2 = server.device("alice", "laptop", Platform::Mobile).await;
    let answer = admin
        .post("/admin/users/alice/force-offline", json!({}))
        .await;
    assert_eq!(answer.status, 200);
    assert!(a1.closed().await.is_some());
    assert!(a2.closed().await.is_some());
    assert_eq!(survivors(&admin, "alice").await, 0);
}
