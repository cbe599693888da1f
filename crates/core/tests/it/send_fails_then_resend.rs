//! The server stops during a send: the message turns `failed` once the retry budget is
//! spent; after the server is back, a manual resend delivers it exactly once.

use crate::common;

use common::*;
use tern_core::{DeliveryState, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_fails_after_budget_and_resend_delivers_once() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let addr = server.addr();
    alice.send_text(&conv, "before").await.unwrap();

    server.shutdown().await;
    wait_for(&mut a_rx, |e| matches!(e, Event::ConnectFailed { .. })).await;
    let queued_at = std::time::Instant::now();
    let pending = alice.send_text(&conv, "during the outage").await.unwrap();
    assert_eq!(pending.state, DeliveryState::Sending);
    assert_eq!(alice.outbox().await.unwrap().len(), 1);

    // Budget: 3 s (fast_config). The failure is an event and a persisted state.
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::MessageFailed { .. })).await;
    let waited = queued_at.elapsed();
    let Event::MessageFailed { message, error } = e else {
        unreachable!()
    };
    assert_eq!(
        (message.client_id.clone(), message.state, error),
        (pending.client_id.clone(), DeliveryState::Failed, None)
    );
    assert!(
        waited.as_millis() >= 2_900,
        "failed only after the budget: {waited:?}"
    );
    assert_eq!(
        alice
            .message(&pending.client_id)
            .await
            .unwrap()
            .unwrap()
            .state,
        DeliveryState::Failed
    );
    let idle = alice
        .flush(std::time::Duration::from_millis(10))
        .await
        .unwrap();
    assert!(idle, "a failed message is not retried by itself");

    let server = restart_server(dir.path(), addr).await;
    wait_for(&mut a_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let resent = alice.resend(&pending.client_id).await.unwrap();
    assert_eq!(resent.state, DeliveryState::Sent);
    assert_eq!(resent.client_id, pending.client_id);
    assert!(alice.outbox().await.unwrap().is_empty());

    // Bob sees it once: live or caught up, never twice, and the server stored it once.
    wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { message, .. } if message.client_id == pending.client_id)).await;
    bob.resync().await.unwrap();
    let history = bob.messages(&conv, None, 50).await.unwrap();
    let copies = history
        .iter()
        .filter(|m| m.client_id == pending.client_id)
        .count();
    assert_eq!((history.len(), copies), (2, 1));
    eprintln!("failed after {waited:?} (budget 3 s)");

    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
