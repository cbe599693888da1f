//! Pipelined sends keep their order when the server refuses some for now: with a
//! tight per-connection rate limit many sends get `RateLimited` (and the ones
//! pipelined behind them `OutOfOrder`); they are retried with the same ids and
//! every message is still stored exactly once, in queue order.

use crate::common;

use common::*;
use tern_core::proto::Content;
use tern_core::Event;

const N: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_pipelined_sends_stay_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.rate_per_sec = 150.0;
    cfg.rate_burst = 20.0;
    let server = tern_server::spawn(cfg).await.unwrap();
    let addr = server.addr();
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let mut acfg = fast_config(dir.path().join("alice"), addr);
    acfg.retry.max_attempts = 10_000;
    acfg.retry.max_age_ms = 120_000;
    acfg.retry.retry_delay_ms = 20;
    let alice = tern_core::Client::new(acfg).unwrap();
    alice.register(&uid("alice"), "password123").await.unwrap();
    let mut a_rx = alice.subscribe();
    alice.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut a_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let conv = alice.direct_conversation(&uid("bob")).unwrap();

    for i in 1..=N {
        let text = format!("m{i}");
        alice
            .enqueue(&conv, Content::Text { text }, None)
            .await
            .unwrap();
    }
    assert!(alice.flush(WAIT * 3).await.unwrap(), "outbox drained");

    let mut got = Vec::new();
    while got.len() < N {
        if let Event::NewMessage { message, .. } =
            wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await
        {
            got.push(message);
        }
    }
    for (i, m) in got.iter().enumerate() {
        assert_eq!(m.seq.unwrap().0, i as u64 + 1);
        assert_eq!(
            m.content,
            Content::Text {
                text: format!("m{}", i + 1)
            },
            "stored in queue order"
        );
    }
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
