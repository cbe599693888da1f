//! The outbox pipelines sends (several in flight on one connection) and still
//! delivers 2,000 queued messages exactly once, in queue order, to the sender's
//! cache and to the peer. Prints the throughput (not asserted: it depends on the
//! machine).

use crate::common;

use std::time::Instant;

use common::*;
use tern_core::proto::Content;
use tern_core::{DeliveryState, Event};

const N: usize = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_queued_messages_arrive_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let conv = alice.direct_conversation(&uid("bob")).unwrap();

    let started = Instant::now();
    for i in 1..=N {
        let text = format!("m{i}");
        alice
            .enqueue(&conv, Content::Text { text }, None)
            .await
            .unwrap();
    }
    let queued = started.elapsed();
    assert!(alice.flush(WAIT * 6).await.unwrap(), "outbox drained");
    let total = started.elapsed();
    println!(
        "outbox throughput: {N} messages queued in {:.2} s, all acked after {:.2} s = {:.0} msg/s",
        queued.as_secs_f64(),
        total.as_secs_f64(),
        N as f64 / total.as_secs_f64()
    );

    // The sender's cache: every message stored once, seq i carries text i.
    let mut mine = Vec::new();
    let mut before = None;
    for _ in 0..N {
        let page = alice.messages(&conv, before, 500).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page[0].seq;
        mine.splice(0..0, page);
    }
    assert_eq!(mine.len(), N);
    for (i, m) in mine.iter().enumerate() {
        assert_eq!(m.seq.unwrap().0, i as u64 + 1);
        assert_eq!(
            m.content,
            Content::Text {
                text: format!("m{}", i + 1)
            }
        );
        assert_ne!(m.state, DeliveryState::Sending);
        assert_ne!(m.state, DeliveryState::Failed);
    }

    // The peer gets each once, in order.
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
            }
        );
    }
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
