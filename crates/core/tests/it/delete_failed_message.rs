//! A failed message (refused by the server, never stored) can be deleted from this
//! device: it leaves the history, the search index, the outbox and the chat list's
//! last message, also after a restart; sent messages cannot be deleted this way.
//! "Delete for me" hides any stored message on this device only.

use crate::common;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_for_me_hides_a_message_on_this_device_only() {
    let (dir, server, (alice, mut a_rx), (bob, _b_rx), conv) = alice_and_bob().await;
    bob.send_text(&conv, "first").await.unwrap();
    let secret = bob.send_text(&conv, "quokka secret").await.unwrap();
    bob.send_text(&conv, "last").await.unwrap();
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.content == secret.content),
    )
    .await;
    wait_for(&mut a_rx, |e| matches!(e, Event::NewMessage { message, .. } if message.client_id != secret.client_id && message.seq > secret.seq)).await;
    let seq = secret.seq.unwrap();
    let unread = |c: &Client| {
        let (c, conv) = (c.clone(), conv.clone());
        async move { c.conversation(&conv).await.unwrap().unwrap().unread }
    };
    assert_eq!(unread(&alice).await, 3);

    alice.delete_for_me(&conv, seq).await.unwrap();
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::MessageRemoved { .. })).await;
    assert!(
        matches!(&e, Event::MessageRemoved { client_id, .. } if client_id == &secret.client_id),
        "{e:?}"
    );
    let shown = |c: &Client| {
        let (c, conv) = (c.clone(), conv.clone());
        async move {
            let h = c.messages(&conv, None, 50).await.unwrap();
            h.into_iter().map(|m| m.client_id).collect::<Vec<_>>()
        }
    };
    assert_eq!(shown(&alice).await.len(), 2);
    assert!(!shown(&alice).await.contains(&secret.client_id));
    assert!(alice
        .search("quokka", 0, 10)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert_eq!(
        unread(&alice).await,
        2,
        "a deleted unread message no longer counts"
    );
    // A resync (history pulled again) does not bring it back; unknown seqs are refused.
    alice.resync().await.unwrap();
    assert!(!shown(&alice).await.contains(&secret.client_id));
    assert!(alice
        .delete_for_me(&conv, tern_core::proto::Seq(999))
        .await
        .is_err());

    // Only this device: bob, and another device of alice's, still have it.
    assert!(shown(&bob).await.contains(&secret.client_id));
    let tablet = Client::new(fast_config(dir.path().join("alice-tablet"), server.addr())).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert!(shown(&tablet).await.contains(&secret.client_id));

    tablet.close().await;
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
