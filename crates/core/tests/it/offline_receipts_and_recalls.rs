//! What a device misses while its app is closed reaches it on the next resync:
//! the peer's read receipts (my sent messages turn `Read`, with a `ReadReceipt`
//! event) and recalls of messages it had cached (tombstone, gone from search,
//! `Recalled` event).

use crate::common;

use common::*;
use tern_core::proto::{Content, Seq};
use tern_core::{DeliveryState, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_and_recalls_missed_offline_arrive_on_resync() {
    let (_dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;

    // Alice sends three messages; bob sends one that alice caches.
    for i in 1..=3 {
        alice
            .send_text(&conv, &format!("from alice {i}"))
            .await
            .unwrap();
    }
    for _ in 0..3 {
        wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await;
    }
    let secret = bob.send_text(&conv, "zebracorn secret").await.unwrap();
    let secret_seq = secret.seq.unwrap();
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.seq == Some(secret_seq)),
    )
    .await;
    assert_eq!(
        alice
            .search("zebracorn", 0, 10)
            .await
            .unwrap()
            .messages
            .len(),
        1
    );

    // Alice's app closes (token kept). Meanwhile bob reads everything and recalls.
    let token = alice.token().unwrap();
    alice.close().await;
    bob.mark_read(&conv).await.unwrap();
    bob.recall(&conv, secret_seq).await.unwrap();

    // Alice comes back: the resync brings both.
    let mut a_rx = alice.subscribe();
    alice.login_with_token(&uid("alice"), &token).await.unwrap();
    let mut receipt = None;
    let mut recalled = None;
    loop {
        match wait_for(&mut a_rx, |_| true).await {
            Event::ReadReceipt { conv: c, user, seq } if c == conv => receipt = Some((user, seq)),
            Event::Recalled {
                conv: c, seq, by, ..
            } if c == conv => recalled = Some((seq, by)),
            Event::SyncFinished { .. } => break,
            _ => {}
        }
    }
    assert_eq!(
        receipt,
        Some((uid("bob"), secret_seq)),
        "peer receipt from the resync"
    );
    assert_eq!(
        recalled,
        Some((secret_seq, uid("bob"))),
        "recall from the resync"
    );

    let msgs = alice.messages(&conv, None, 50).await.unwrap();
    assert_eq!(msgs.len(), 4);
    for m in &msgs[..3] {
        assert_eq!(m.state, DeliveryState::Read, "{m:?}");
    }
    assert!(
        matches!(msgs[3].content, Content::Recalled { .. }),
        "cached text replaced by a tombstone: {:?}",
        msgs[3]
    );
    assert!(alice
        .search("zebracorn", 0, 10)
        .await
        .unwrap()
        .messages
        .is_empty());
    let c = alice.conversation(&conv).await.unwrap().unwrap();
    assert_eq!(c.peer_read_seq, secret_seq);

    // A second resync has nothing new to announce.
    alice.resync().await.unwrap();
    let again = drain(&mut a_rx, std::time::Duration::from_millis(300)).await;
    assert!(
        !again
            .iter()
            .any(|e| matches!(e, Event::Recalled { .. } | Event::ReadReceipt { .. })),
        "{again:?}"
    );
    assert_eq!(c.peer_read_seq, Seq(secret_seq.0));
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
