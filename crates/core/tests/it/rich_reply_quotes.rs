//! Replies in tern-core (issue 17): bob replies to alice's message; alice gets
//! the reply live with its `reply_to`, her second device (offline meanwhile)
//! gets it on resync; every device's quote shows the sender and first line;
//! after a recall, or a delete on this device, the quote says so.

use crate::common;

use common::*;
use tern_core::proto::{DeviceId, Seq};
use tern_core::{Client, Event, QuoteState};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_carry_their_quote_to_online_and_offline_devices_and_recalls_show() {
    let (dir, server, (alice, mut a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let mut cfg = fast_config(dir.path().join("alice-tablet"), server.addr());
    cfg.device = Some(DeviceId::new("tablet").unwrap());
    let tablet = Client::new(cfg).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let token = tablet.token().unwrap();
    tablet.close().await;

    let q = alice
        .send_text(&conv, "Shall we ship on Friday?\nDetails below.")
        .await
        .unwrap();
    let quoted = q.seq.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await;
    let r = bob.send_reply(&conv, "Yes, Friday.", quoted).await.unwrap();
    assert_eq!(r.reply_to, Some(quoted));
    let e = wait_for(
        &mut a_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.reply_to.is_some()),
    )
    .await;
    let Event::NewMessage { message, .. } = e else {
        unreachable!()
    };
    assert_eq!(message.reply_to, Some(quoted));

    // The tablet was offline: the resync brings the reply with its reference.
    tablet
        .login_with_token(&uid("alice"), &token)
        .await
        .unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.resync().await.unwrap();
    let _ = drain(&mut t_rx, std::time::Duration::from_millis(200)).await;
    for (who, c) in [("alice", &alice), ("bob", &bob), ("tablet", &tablet)] {
        let msgs = c.messages(&conv, None, 50).await.unwrap();
        let reply = msgs.iter().find(|m| m.seq == r.seq).expect("reply cached");
        assert_eq!(reply.reply_to, Some(quoted), "{who}");
        let quote = c.quote(&conv, quoted).await.unwrap();
        assert_eq!(quote.sender, Some(uid("alice")), "{who}");
        assert_eq!(
            quote.snippet, "Shall we ship on Friday?",
            "{who}: first line"
        );
        assert_eq!(quote.state, QuoteState::Available, "{who}");
    }

    // A quote of a message that does not exist is refused by the server.
    let err = bob
        .send_reply(&conv, "to nothing", Seq(99))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("4011"), "{err}");

    // Alice recalls the quoted message: every quote says it was recalled.
    alice.recall(&conv, quoted).await.unwrap();
    wait_for(&mut b_rx, |e| matches!(e, Event::Recalled { .. })).await;
    for c in [&alice, &bob] {
        let quote = c.quote(&conv, quoted).await.unwrap();
        assert_eq!(quote.state, QuoteState::Recalled);
        assert_eq!(quote.snippet, "[Message recalled]");
    }
    // Deleted on this device only: the quote says so.
    bob.delete_for_me(&conv, quoted).await.unwrap();
    assert_eq!(
        bob.quote(&conv, quoted).await.unwrap().state,
        QuoteState::Deleted
    );
    for c in [alice, bob, tablet] {
        c.close().await;
    }
    server.shutdown().await;
}
