//! An idle client keeps its connection: heartbeats arrive before the server's idle
//! timeout, so no drop and no reconnect happen while nothing else is sent.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::{ConnectionState, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connection_survives_the_server_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.idle_timeout = Duration::from_secs(2);
    let server = tern_server::spawn(cfg).await.unwrap();
    let (alice, mut rx) = user(dir.path(), server.addr(), "alice").await;

    // Three idle timeouts long: the client pings every second (a third of 2 s, at least 1 s).
    let events = drain(&mut rx, Duration::from_secs(6)).await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::ConnectFailed { .. } | Event::Connecting { .. })),
        "connection dropped while idle: {events:?}"
    );
    assert_eq!(alice.connection_state(), ConnectionState::Online);
    assert!(alice.search_users("ali").await.is_ok());
    alice.close().await;
    server.shutdown().await;
}
