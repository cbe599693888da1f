//! One user on two devices: a message sent on one appears on the other as outgoing,
//! and reading on one device clears the unread count on the other.

use crate::common;

use common::*;
use tern_core::proto::DeviceId;
use tern_core::{Client, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_state_and_own_messages_follow_across_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (phone, mut p_rx) = user(dir.path(), server.addr(), "alice").await;
    let mut cfg = fast_config(dir.path().join("alice-laptop"), server.addr());
    cfg.device = Some(DeviceId::new("laptop").unwrap());
    let laptop = Client::new(cfg).unwrap();
    let mut l_rx = laptop.subscribe();
    laptop.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut l_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let (bob, _) = user(dir.path(), server.addr(), "bob").await;

    let conv = bob.direct_conversation(&uid("alice")).unwrap();
    for t in ["one", "two", "three"] {
        bob.send_text(&conv, t).await.unwrap();
    }
    for rx in [&mut p_rx, &mut l_rx] {
        wait_for(rx, |e| matches!(e, Event::UnreadChanged { unread: 3, .. })).await;
    }

    phone.mark_read(&conv).await.unwrap();
    let e = wait_for(&mut l_rx, |e| matches!(e, Event::ReadReceipt { .. })).await;
    assert!(
        matches!(e, Event::ReadReceipt { ref user, seq, .. } if user == &uid("alice") && seq.0 == 3),
        "{e:?}"
    );
    wait_for(&mut l_rx, |e| {
        matches!(e, Event::TotalUnreadChanged { total: 0 })
    })
    .await;
    assert_eq!(laptop.conversation(&conv).await.unwrap().unwrap().unread, 0);

    let sent = laptop.send_text(&conv, "from the laptop").await.unwrap();
    let e = wait_for(
        &mut p_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.client_id == sent.client_id),
    )
    .await;
    let Event::NewMessage { message, live } = e else {
        unreachable!()
    };
    assert!(message.outgoing && live);
    assert_eq!(
        phone.conversation(&conv).await.unwrap().unwrap().unread,
        0,
        "own messages are not unread"
    );

    for c in [phone, laptop, bob] {
        c.close().await;
    }
    server.shutdown().await;
}
