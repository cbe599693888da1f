//! Kicked offline by a login on another device of the same platform: the event is
//! raised, the status drops to logged out, and no reconnect is attempted. An expired
//! token likewise raises `TokenExpired` and stops reconnecting.

use crate::common;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_change_and_sign_out_others_end_the_other_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = tern_server::spawn(server_config(dir.path(), None))
        .await
        .unwrap();
    let (laptop, _rx) = user(dir.path(), server.addr(), "alice").await;
    let second_device = |name: &str| {
        let mut cfg = fast_config(dir.path().join(format!("alice-{name}")), server.addr());
        cfg.device = Some(DeviceId::new(name).unwrap());
        Client::new(cfg).unwrap()
    };
    let phone = second_device("phone");
    let mut phone_rx = phone.subscribe();
    phone.login(&uid("alice"), "password123").await.unwrap();

    // (Kicked in the middle of its first sync, a device may see its connection
    // close before it reads the push, and learns it is out from its resume.)
    wait_for(&mut phone_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    laptop.sign_out_others().await.unwrap();
    let e = wait_for(&mut phone_rx, |e| matches!(e, Event::KickedOffline { .. })).await;
    assert_eq!(
        e,
        Event::KickedOffline {
            reason: KickReason::LoggedOut
        }
    );
    laptop.search_users("ali").await.unwrap();

    let tablet = second_device("tablet");
    let mut tablet_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut tablet_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let wrong = laptop.change_password("nope", "new password 1").await;
    assert!(
        matches!(&wrong, Err(tern_core::Error::Server(e)) if e.code == ErrorCode::BadCredentials),
        "{wrong:?}"
    );
    laptop
        .change_password("password123", "new password 1")
        .await
        .unwrap();
    let e = wait_for(&mut tablet_rx, |e| matches!(e, Event::KickedOffline { .. })).await;
    assert_eq!(
        e,
        Event::KickedOffline {
            reason: KickReason::PasswordChanged
        }
    );
    laptop.search_users("ali").await.unwrap();
    assert!(second_device("pc")
        .login(&uid("alice"), "password123")
        .await
        .is_err());
    second_device("pc2")
        .login(&uid("alice"), "new password 1")
        .await
        .unwrap();
    server.shutdown().await;
}
