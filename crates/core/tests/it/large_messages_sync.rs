//! Attack: a peer fills a conversation with messages of the largest size a
//! frame allows (8,000 control characters each, 48 KB of JSON once escaped),
//! so that one page of 500 would be a WebSocket message larger than a client
//! accepts (16 MiB). The server clips each page at its byte budget and the
//! client keeps pulling from where a page stopped: the victim's fresh device
//! syncs all of them, and pages of history through `messages` work too.

use crate::common;

use common::*;
use tern_core::proto::{Content, Seq};
use tern_core::{Client, Event};

const N: u64 = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_of_huge_messages_still_syncs_in_clipped_pages() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (alice, _) = user(dir.path(), server.addr(), "alice").await;
    let bob_new = Client::new(fast_config(dir.path().join("bob"), server.addr())).unwrap();
    bob_new.register(&uid("bob"), "password123").await.unwrap();
    bob_new.close().await;
    let conv = alice.direct_conversation(&uid("bob")).unwrap();
    let text: String = std::iter::repeat_n('\u{1}', 8_000).collect();
    for _ in 0..N {
        let content = Content::Text { text: text.clone() };
        alice.enqueue(&conv, content, None).await.unwrap();
    }
    assert!(
        alice.flush(WAIT * 3).await.unwrap(),
        "alice's outbox drained"
    );

    // 400 × 48 KB = 19 MB: more than one WebSocket message a client takes.
    let bob = Client::new(fast_config(dir.path().join("bob"), server.addr())).unwrap();
    let mut rx = bob.subscribe();
    bob.login(&uid("bob"), "password123").await.unwrap();
    let e = wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert!(
        matches!(e, Event::SyncFinished { messages: N, .. }),
        "{e:?}"
    );
    let all = bob.messages(&conv, None, N as u32).await.unwrap();
    let seqs: Vec<u64> = all.iter().map(|m| m.seq.unwrap().0).collect();
    assert_eq!(seqs, (1..=N).collect::<Vec<_>>());
    assert!(all
        .iter()
        .all(|m| m.content == Content::Text { text: text.clone() }));

    // A second device pages back through history from the server.
    let mut cfg = fast_config(dir.path().join("bob2"), server.addr());
    cfg.connection.initial_sync_window = 10;
    let bob2 = Client::new(cfg).unwrap();
    let mut rx2 = bob2.subscribe();
    bob2.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut rx2, |e| matches!(e, Event::SyncFinished { .. })).await;
    let mut before = None;
    let mut got = 0;
    for _ in 0..N {
        let page = bob2.messages(&conv, before, 1_000).await.unwrap();
        let Some(first) = page.first() else { break };
        got += page.len();
        if first.seq == Some(Seq(1)) {
            break;
        }
        before = first.seq;
    }
    assert_eq!(got as u64, N, "every message paged back once");
    server.shutdown().await;
}
