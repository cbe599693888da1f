//! A fresh device syncs only the newest window of a long conversation; older pages
//! come from the server when the app scrolls up, are kept, and are then served from
//! the cache even offline.

use crate::common;

use common::*;
use tern_core::proto::{Content, Seq};
use tern_core::{Client, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_pages_are_fetched_once_then_served_offline() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (alice, _) = user(dir.path(), server.addr(), "alice").await;
    let bob_new = Client::new(fast_config(dir.path().join("bob"), server.addr())).unwrap();
    bob_new.register(&uid("bob"), "password123").await.unwrap();
    let conv = alice.direct_conversation(&uid("bob")).unwrap();
    for i in 1..=100 {
        let text = format!("msg {i}");
        alice
            .enqueue(&conv, Content::Text { text }, None)
            .await
            .unwrap();
    }
    assert!(alice.flush(WAIT).await.unwrap());

    let mut cfg = fast_config(dir.path().join("bob"), server.addr());
    cfg.connection.initial_sync_window = 20;
    let bob = Client::new(cfg).unwrap();
    let mut rx = bob.subscribe();
    bob.login(&uid("bob"), "password123").await.unwrap();
    let e = wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert!(
        matches!(e, Event::SyncFinished { messages: 20, .. }),
        "{e:?}"
    );
    assert_eq!(bob.conversation(&conv).await.unwrap().unwrap().unread, 100);

    let seqs = |page: &[tern_core::LocalMessage]| {
        page.iter().map(|m| m.seq.unwrap().0).collect::<Vec<_>>()
    };
    let newest = bob.messages(&conv, None, 50).await.unwrap();
    assert_eq!(
        seqs(&newest),
        (51..=100).collect::<Vec<_>>(),
        "20 cached + 30 fetched"
    );
    let older = bob.messages(&conv, Some(Seq(51)), 50).await.unwrap();
    assert_eq!(seqs(&older), (1..=50).collect::<Vec<_>>());
    assert_eq!(
        older[0].content,
        Content::Text {
            text: "msg 1".into()
        }
    );

    server.shutdown().await;
    let offline = bob.messages(&conv, Some(Seq(101)), 100).await.unwrap();
    assert_eq!(
        seqs(&offline),
        (1..=100).collect::<Vec<_>>(),
        "all kept in the cache"
    );
    let all = bob.search("msg", 0, 200).await.unwrap().messages;
    assert_eq!(all.len(), 100, "fetched pages are indexed too");
    // An app going to the background gives back the cache's page cache: the
    // same pages read back the same afterwards.
    bob.shrink_memory().await.unwrap();
    let again = bob.messages(&conv, Some(Seq(101)), 100).await.unwrap();
    assert_eq!(seqs(&again), seqs(&offline));
    alice.close().await;
    bob.close().await;
}
