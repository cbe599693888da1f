//! Listing online sessions, and forcing a user offline: a connected tern-core
//! client is kicked, does not reconnect, and its token is refused afterwards.

use crate::admin_support;
use crate::common;

use std::time::Duration;

use admin_support::Admin;
use common::{uid, Client, PASSWORD};
use serde_json::json;
use tern_core::{ClientConfig, ConnectionState, Event, LoginStatus};
use tern_proto::{ErrorCode, KickReason, Platform, Push};
use tokio::sync::broadcast;

/// A tern-core client with short timings (its reconnect backoff is 100 ms).
fn core_client(dir: &std::path::Path, addr: std::net::SocketAddr) -> tern_core::Client {
    let mut c = ClientConfig::new(dir.to_path_buf(), format!("ws://{addr}"));
    c.connection.request_timeout_ms = 3_000;
    c.connection.backoff_initial_ms = 100;
    c.connection.backoff_max_ms = 1_000;
    tern_core::Client::new(c).unwrap()
}

async fn wait_for(rx: &mut broadcast::Receiver<Event>, pred: impl Fn(&Event) -> bool) -> Event {
    let fut = async {
        loop {
            match rx.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    };
    tokio::time::timeout(common::WAIT, fut)
        .await
        .expect("timed out waiting for an event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_offline_kicks_a_tern_core_client_which_stays_off_and_whose_token_is_refused() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let client_dir = tempfile::tempdir().unwrap();
    let alice = core_client(client_dir.path(), server.addr());
    let mut rx = alice.subscribe();
    alice.login(&uid("alice"), PASSWORD).await.unwrap();
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let token = alice.token().expect("logged in");
    let mut bob = server.user("bob").await;
    let unused = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 600 }))
        .await;
    let unused = unused.body["token"].as_str().unwrap().to_string();

    let a = admin
        .post("/admin/users/alice/force-offline", json!({}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body, json!({ "user": "alice", "sessions_revoked": 1 }));
    let e = wait_for(&mut rx, |e| matches!(e, Event::KickedOffline { .. })).await;
    assert_eq!(
        e,
        Event::KickedOffline {
            reason: KickReason::Admin
        }
    );

    // Watch for a while (ten backoff periods): no reconnect attempt follows.
    let mut after = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1_000);
    while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        after.push(e);
    }
    assert!(
        !after.iter().any(|e| matches!(
            e,
            Event::Connecting { .. } | Event::Connected | Event::ConnectFailed { .. }
        )),
        "no reconnect after a forced logout: {after:?}"
    );
    assert_eq!(alice.login_status(), LoginStatus::LoggedOut);
    assert_eq!(alice.connection_state(), ConnectionState::Offline);

    let mut raw = Client::greeted(server.addr()).await;
    assert_eq!(
        raw.resume(&token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    assert_eq!(
        raw.resume(&unused).await.unwrap_err().code,
        ErrorCode::TokenInvalid,
        "a token minted before, never used, is revoked as well"
    );
    // The kicked connection leaves the online list once the server has closed it.
    let only_bob = async {
        loop {
            let listed = admin.get("/admin/sessions").await;
            let users: Vec<String> = listed.body["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["user"].as_str().unwrap().to_string())
                .collect();
            if users == ["bob"] {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(common::WAIT, only_bob)
        .await
        .expect("alice leaves the session list");

    // Bob's connection was untouched; forcing off a user with no session is fine.
    bob.ok(tern_proto::Request::Conversations).await;
    let idle = admin
        .post("/admin/users/alice/force-offline", json!({}))
        .await;
    assert_eq!(idle.body["sessions_revoked"], 0);
    assert_eq!(
        admin
            .post("/admin/users/nobody/force-offline", json!({}))
            .await
            .status,
        404
    );
    // A token minted afterwards logs in again.
    let fresh = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 600 }))
        .await;
    let mut back = Client::greeted(server.addr()).await;
    back.resume(fresh.body["token"].as_str().unwrap())
        .await
        .unwrap();
    alice.close().await;
    server.stop().await;
}

#[tokio::test]
async fn online_sessions_list_user_platform_device_and_since() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    assert_eq!(
        admin.get("/admin/sessions").await.body,
        json!({ "sessions": [] })
    );
    let before = tern_server::storage::now_ms();
    let _desk = server.device("alice", "desk", Platform::Desktop).await;
    let _phone = server.device("alice", "phone", Platform::Mobile).await;
    let mut bob = server.device("bob", "web", Platform::Web).await;
    let after = tern_server::storage::now_ms();

    let a = admin.get("/admin/sessions").await;
    assert_eq!(a.status, 200, "{a:?}");
    let sessions = a.body["sessions"].as_array().unwrap();
    let mut rows: Vec<(String, String, String)> = sessions
        .iter()
        .map(|s| {
            let since = s["since"].as_i64().unwrap();
            assert!((before..=after).contains(&since), "{s}");
            assert!(!s["session"].as_str().unwrap().is_empty());
            (
                s["user"].as_str().unwrap().into(),
                s["platform"].as_str().unwrap().into(),
                s["device"].as_str().unwrap().into(),
            )
        })
        .collect();
    rows.sort();
    let want = |u: &str, p: &str, d: &str| (u.to_string(), p.to_string(), d.to_string());
    assert_eq!(
        rows,
        [
            want("alice", "desktop", "alice-desk"),
            want("alice", "mobile", "alice-phone"),
            want("bob", "web", "bob-web"),
        ]
    );

    // Logging out leaves the list.
    bob.ok(tern_proto::Request::Logout).await;
    let a = admin.get("/admin/sessions").await;
    assert_eq!(a.body["sessions"].as_array().unwrap().len(), 2, "{a:?}");
    assert!(bob
        .drain_pushes(Duration::ZERO)
        .await
        .iter()
        .all(|p| !matches!(p, Push::Kicked { .. })));
    server.stop().await;
}
