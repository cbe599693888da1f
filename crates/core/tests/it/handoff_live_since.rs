//! A client that takes over from another one that was listening until time T
//! (the desktop app handing its accounts to its tray-only process, and back)
//! starts with `live_since = T`: what its catch-up brings that was sent since T
//! is live news (notified), what was sent before is backlog, as for any catch-up.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::Content;
use tern_core::{Client, Event};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_announces_what_was_sent_since_the_handoff_as_live() {
    let (dir, server, (alice, _a_rx), (bob, _b_rx), conv) = alice_and_bob().await;
    let token = bob.token().expect("bob's token");
    // Bob's first process stops listening (it hands over) after "before" reached him.
    alice.send_text(&conv, "before").await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob.close().await;
    let handoff = now_ms();
    tokio::time::sleep(Duration::from_millis(20)).await;
    alice.send_text(&conv, "after").await.unwrap();

    // The process taking over: same cache, the token handed over, live since then.
    let mut cfg = fast_config(dir.path().join("bob"), server.addr());
    cfg.live_since = Some(handoff);
    let bob2 = Client::new(cfg).unwrap();
    let mut rx = bob2.subscribe();
    bob2.login_with_token(&uid("bob"), &token).await.unwrap();
    let got = wait_for(&mut rx, |e| matches!(e, Event::NewMessage { .. })).await;
    let Event::NewMessage { message, live } = got else {
        unreachable!()
    };
    assert_eq!(
        message.content,
        Content::Text {
            text: "after".into()
        }
    );
    assert!(live, "sent after the handoff: live news");
    bob2.close().await;

    // The same catch-up without `live_since` (a plain restart) is backlog.
    let (carol, _c_rx) = user(dir.path(), server.addr(), "carol").await;
    let carol_token = carol.token().unwrap();
    carol.close().await;
    let to_carol = alice.direct_conversation(&uid("carol")).unwrap();
    alice
        .send_text(&to_carol, "while you were out")
        .await
        .unwrap();
    let carol2 = Client::new(fast_config(dir.path().join("carol"), server.addr())).unwrap();
    let mut rx = carol2.subscribe();
    carol2
        .login_with_token(&uid("carol"), &carol_token)
        .await
        .unwrap();
    let got = wait_for(&mut rx, |e| matches!(e, Event::NewMessage { .. })).await;
    assert!(
        matches!(got, Event::NewMessage { live: false, .. }),
        "{got:?}"
    );
    carol2.close().await;
    server.shutdown().await;
}
