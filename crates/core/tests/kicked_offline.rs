//! Kicked offline by a login on another device of the same platform: the event is
//! raised, the status drops to logged out, and no reconnect is attempted. An expired
//! token likewise raises `TokenExpired` and stops reconnecting.

mod common;

use std::time::Duration;

use common::*;
use tern_core::proto::{DeviceId, ErrorCode, KickReason};
use tern_core::{Client, ConnectionState, Event, LoginStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kicked_device_gets_the_event_and_never_reconnects() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.multi_device = tern_server::MultiDevicePolicy::PerPlatform;
    let server = tern_server::spawn(cfg).await.unwrap();
    let (first, mut rx) = user(dir.path(), server.addr(), "alice").await;

    let mut other = fast_config(dir.path().join("alice-laptop"), server.addr());
    other.device = Some(DeviceId::new("laptop").unwrap());
    let second = Client::new(other).unwrap();
    second.login(&uid("alice"), "password123").await.unwrap();

    let e = wait_for(&mut rx, |e| matches!(e, Event::KickedOffline { .. })).await;
    assert_eq!(
        e,
        Event::KickedOffline {
            reason: KickReason::OtherDevice
        }
    );
    // Watch for a while: the kicked client must not try again (its backoff is 100 ms).
    let after = drain(&mut rx, Duration::from_millis(1_500)).await;
    assert!(
        !after.iter().any(|e| matches!(
            e,
            Event::Connecting { .. } | Event::Connected | Event::ConnectFailed { .. }
        )),
        "no reconnect attempts after a kick: {after:?}"
    );
    assert_eq!(first.login_status(), LoginStatus::LoggedOut);
    assert_eq!(first.connection_state(), ConnectionState::Offline);
    assert!(
        first.conversations().await.is_err(),
        "the kicked session is over"
    );
    second.search_users("ali").await.unwrap();

    second.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_raises_token_expired_without_reconnecting() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.token_ttl = Duration::from_secs(1);
    let server = tern_server::spawn(cfg.clone()).await.unwrap();
    let addr = server.addr();
    let (client, mut rx) = user(dir.path(), addr, "alice").await;

    // Drop the connection after the token expired: the resume is refused.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.shutdown().await;
    cfg.listen = addr;
    let server = loop {
        if let Ok(s) = tern_server::spawn(cfg.clone()).await {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let e = wait_for(&mut rx, |e| matches!(e, Event::TokenExpired { .. })).await;
    assert_eq!(
        e,
        Event::TokenExpired {
            code: ErrorCode::TokenExpired
        }
    );
    let after = drain(&mut rx, Duration::from_millis(1_000)).await;
    assert!(
        !after.iter().any(|e| matches!(e, Event::Connecting { .. })),
        "{after:?}"
    );
    assert_eq!(client.login_status(), LoginStatus::LoggedOut);
    server.shutdown().await;
}
