//! A failed message (refused by the server, never stored) can be deleted from this
//! device: it leaves the history, the search index, the outbox and the chat list's
//! last message, also after a restart; sent messages cannot be deleted this way.

mod common;

use common::*;
use tern_core::{Client, DeliveryState, Error, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_message_is_deleted_locally_and_stays_gone() {
    let (dir, server, (alice, mut a_rx), (bob, _b_rx), conv) = alice_and_bob().await;
    let sent = alice.send_text(&conv, "kept message").await.unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);

    bob.block(&uid("alice")).await.unwrap();
    alice
        .send_text(&conv, "undeliverable zebra")
        .await
        .unwrap_err();
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::MessageFailed { .. })).await;
    let Event::MessageFailed {
        message: failed, ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!(alice.outbox().await.unwrap().len(), 1);
    assert_eq!(
        alice.search("zebra", 0, 10).await.unwrap().messages.len(),
        1
    );

    // A sent message is not "failed": refused, and nothing changes.
    let err = alice.delete_failed(&sent.client_id).await.unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");

    alice.delete_failed(&failed.client_id).await.unwrap();
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::MessageRemoved { .. })).await;
    assert!(
        matches!(&e, Event::MessageRemoved { conv: c, client_id } if c == &conv && client_id == &failed.client_id),
        "{e:?}"
    );
    let check = |c: &Client| {
        let (c, conv, failed) = (c.clone(), conv.clone(), failed.client_id.clone());
        async move {
            let history = c.messages(&conv, None, 50).await.unwrap();
            let texts: Vec<_> = history.iter().map(|m| m.client_id.clone()).collect();
            assert!(!texts.contains(&failed), "still in the history");
            assert_eq!(history.len(), 1, "only the sent message is left");
            assert!(c.message(&failed).await.unwrap().is_none());
            assert!(c.outbox().await.unwrap().is_empty());
            assert!(c.search("zebra", 0, 10).await.unwrap().messages.is_empty());
            let summary = c.conversation(&conv).await.unwrap().unwrap();
            assert_eq!(
                summary.last.map(|m| m.client_id),
                Some(history[0].client_id.clone()),
                "the chat list shows the message before it"
            );
        }
    };
    check(&alice).await;
    // Deleting it again: it is not there any more.
    assert!(alice.delete_failed(&failed.client_id).await.is_err());

    // After a restart it stays gone (the outbox does not bring it back).
    alice.close().await;
    let again = Client::new(fast_config(dir.path().join("alice"), server.addr())).unwrap();
    let mut rx = again.subscribe();
    again.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    check(&again).await;

    again.close().await;
    bob.close().await;
    server.shutdown().await;
}
