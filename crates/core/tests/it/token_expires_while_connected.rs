//! A token that expires while the client is connected: the server ends the
//! session (`kicked` with `token_expired`), tern-core raises `TokenExpired`
//! (not `KickedOffline`), logs out and never tries to reconnect.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::ErrorCode;
use tern_core::{Event, LoginStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_while_connected_raises_token_expired_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.token_ttl = Duration::from_secs(2);
    let server = tern_server::spawn(cfg).await.unwrap();
    let (alice, mut rx) = user(dir.path(), server.addr(), "alice").await;
    let e = wait_for(&mut rx, |e| {
        matches!(e, Event::TokenExpired { .. } | Event::KickedOffline { .. })
    })
    .await;
    assert!(
        matches!(
            e,
            Event::TokenExpired {
                code: ErrorCode::TokenExpired
            }
        ),
        "{e:?}"
    );
    wait_for(&mut rx, |e| {
        matches!(
            e,
            Event::LoginStatus {
                status: LoginStatus::LoggedOut
            }
        )
    })
    .await;
    assert_eq!(alice.login_status(), LoginStatus::LoggedOut);
    let after = drain(&mut rx, Duration::from_millis(500)).await;
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, Event::Connecting { .. } | Event::Connected)),
        "no reconnect after expiry: {after:?}"
    );
    server.shutdown().await;
}
