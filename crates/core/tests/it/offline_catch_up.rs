//! A device that goes offline during a conversation catches up when it reconnects:
//! every missed message exactly once, in seq order, pulled in pages, announced as
//! caught-up (`live: false`) events, with the right unread counts.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::Content;
use tern_core::{ConnectionState, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_device_catches_up_after_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    let mut server_cfg = server_config(dir.path(), None);
    server_cfg.max_page = 50; // 250 missed messages = 5 pull pages
    let server = tern_server::spawn(server_cfg.clone()).await.unwrap();
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    // Bob's automatic retry is a minute away, so he stays offline while alice writes;
    // then the app's wake-up call (`resync`) makes him reconnect at once.
    let mut cfg = fast_config(dir.path().join("bob"), addr);
    cfg.connection.backoff_initial_ms = 120_000;
    cfg.connection.backoff_max_ms = 120_000;
    let bob = tern_core::Client::new(cfg).unwrap();
    bob.register(&uid("bob"), "password123").await.unwrap();
    let mut b_rx = bob.subscribe();
    bob.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::SyncFinished { .. })).await;

    // Online part of the conversation.
    let conv = alice.direct_conversation(&uid("bob")).unwrap();
    for i in 1..=5 {
        alice
            .send_text(&conv, &format!("online {i}"))
            .await
            .unwrap();
    }
    for _ in 0..5 {
        wait_for(&mut b_rx, |e| {
            matches!(e, Event::NewMessage { live: true, .. })
        })
        .await;
    }
    wait_for(&mut b_rx, |e| {
        matches!(e, Event::UnreadChanged { unread: 5, .. })
    })
    .await;

    // The server goes away; both devices drop. It comes back; alice (fast backoff)
    // reconnects and writes 250 more while bob is still waiting to retry.
    server.shutdown().await;
    wait_for(&mut b_rx, |e| matches!(e, Event::ConnectFailed { .. })).await;
    assert_eq!(bob.connection_state(), ConnectionState::Connecting);
    server_cfg.listen = addr;
    let server = loop {
        match tern_server::spawn(server_cfg.clone()).await {
            Ok(s) => break s,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let started = std::time::Instant::now();
    for i in 1..=250 {
        let text = format!("offline {i}");
        alice
            .enqueue(&conv, Content::Text { text }, None)
            .await
            .unwrap();
    }
    assert!(alice.flush(WAIT).await.unwrap(), "alice's outbox drained");
    let written = started.elapsed();

    // Wake-up: bob reconnects now, resyncs, and announces exactly the missed messages.
    let b2 = bob.clone();
    let woke = tokio::spawn(async move { b2.resync().await });
    wait_for(&mut b_rx, |e| matches!(e, Event::Connected)).await;
    let mut caught_up = Vec::new();
    let finished = loop {
        match wait_for(&mut b_rx, |_| true).await {
            Event::NewMessage { message, live } => {
                assert!(!live, "caught-up messages are not live");
                caught_up.push(message);
            }
            Event::SyncFinished { messages, .. } => break messages,
            _ => {}
        }
    };
    assert_eq!(finished, 250);
    woke.await.unwrap().unwrap();
    let seqs: Vec<u64> = caught_up.iter().map(|m| m.seq.unwrap().0).collect();
    assert_eq!(
        seqs,
        (6..=255).collect::<Vec<_>>(),
        "each missed message once, in order"
    );
    let c = bob.conversation(&conv).await.unwrap().unwrap();
    assert_eq!((c.unread, c.max_seq.0), (255, 255));
    assert_eq!(bob.total_unread().await.unwrap(), 255);
    let last = bob.messages(&conv, None, 50).await.unwrap();
    assert_eq!(last.len(), 50);
    assert_eq!(
        last[49].content,
        Content::Text {
            text: "offline 250".into()
        }
    );
    let older = bob.messages(&conv, last[0].seq, 50).await.unwrap();
    assert_eq!(
        older.last().unwrap().seq.unwrap().0,
        last[0].seq.unwrap().0 - 1
    );

    // Reading on bob's side clears the counts (events included).
    bob.mark_read(&conv).await.unwrap();
    let events = drain(&mut b_rx, Duration::from_millis(300)).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::TotalUnreadChanged { total: 0 })),
        "{events:?}"
    );
    eprintln!("catch-up: 250 messages written in {written:?} while bob was offline");

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

/// A device offline for longer than the server keeps change-log entries
/// (`security.changelog_keep`) catches up from a snapshot instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_behind_a_compacted_change_log_catches_up_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = server_config(dir.path(), None);
    cfg.security.changelog_keep = 3;
    let server = tern_server::spawn(cfg).await.unwrap();
    let (laptop, _) = user(dir.path(), server.addr(), "alice").await;
    // The laptop has applied part of the log (version 1), so it will ask for what
    // follows, which is compacted away by the time it comes back.
    let first = tern_core::ProfileUpdate {
        nickname: Some("Alice".into()),
        signature: None,
        avatar: None,
    };
    laptop.set_profile(first).await.unwrap();
    laptop.close().await;

    // Meanwhile, on another device: a new friend and many profile changes.
    let mut other = fast_config(dir.path().join("alice-phone"), server.addr());
    other.device = Some(tern_core::proto::DeviceId::new("phone").unwrap());
    let phone = tern_core::Client::new(other).unwrap();
    phone.login(&uid("alice"), "password123").await.unwrap();
    let (bob, mut bob_rx) = user(dir.path(), server.addr(), "bob").await;
    befriend(&phone, &bob, &mut bob_rx).await;
    for i in 0..10 {
        let update = tern_core::ProfileUpdate {
            nickname: Some(format!("Alice {i}")),
            signature: None,
            avatar: None,
        };
        phone.set_profile(update).await.unwrap();
    }
    assert!(server.maintain().await.unwrap().changes > 0);

    let laptop =
        tern_core::Client::new(fast_config(dir.path().join("alice"), server.addr())).unwrap();
    let mut rx = laptop.subscribe();
    laptop.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut rx, |e| {
        matches!(e, tern_core::Event::SyncFinished { .. })
    })
    .await;
    let friends = laptop.friends().await.unwrap();
    assert_eq!(
        friends
            .iter()
            .map(|f| f.profile.user.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    assert_eq!(laptop.my_profile().await.unwrap().nickname, "Alice 9");
    server.shutdown().await;
}
