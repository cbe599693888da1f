//! A reply that also mentions (issue 17, the app's composer): one `send` with
//! both `reply_to` and `mentions`; bob's device gets both and counts an unread
//! mention. Mentions outside a group are refused before anything is queued; a
//! plain member's @all in a reply is refused by the server like any send.

mod common;

use std::time::Duration;

use common::*;
use tern_core::proto::{ErrorCode, Mentions};
use tern_core::{Error, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_carries_its_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let (carol, mut c_rx) = user(dir.path(), addr, "carol").await;
    let team = alice
        .create_group("Team", &[uid("bob"), uid("carol")], None)
        .await
        .unwrap();
    let g = alice.group_conversation(&team.group);
    wait_for(&mut b_rx, |e| matches!(e, Event::GroupJoined { .. })).await;
    wait_for(&mut c_rx, |e| matches!(e, Event::GroupJoined { .. })).await;
    let ask = bob.send_text(&g, "Who books the room?").await.unwrap();
    let seq = ask.seq.unwrap();

    let bob_only = Mentions {
        users: vec![uid("bob")],
        all: false,
    };
    let reply = alice
        .send_reply_mentioning(&g, "@bob I will", seq, bob_only.clone())
        .await
        .unwrap();
    assert_eq!(reply.reply_to, Some(seq));
    assert_eq!(reply.mentions.as_ref().unwrap().users, vec![uid("bob")]);
    let got = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.reply_to == Some(seq)),
    )
    .await;
    let Event::NewMessage { message, .. } = got else {
        unreachable!()
    };
    assert_eq!(message.mentions.unwrap().users, vec![uid("bob")]);
    let mut counted = false;
    for _ in 0..100 {
        if bob.unread_mentions(&g).await.unwrap() == 1 {
            counted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(counted, "bob's unread mention");

    // No mentions: a plain reply.
    let plain = alice
        .send_reply_mentioning(&g, "ok", seq, Mentions::default())
        .await
        .unwrap();
    assert!(plain.mentions.is_none());

    // Mentions in a one-to-one chat: refused here, nothing sent.
    let ab = alice.direct_conversation(&uid("bob")).unwrap();
    match alice
        .send_reply_mentioning(&ab, "@bob", seq, bob_only)
        .await
    {
        Err(Error::InvalidArgument(_)) => {}
        other => panic!("{other:?}"),
    }
    // A plain member's @all in a reply: the server's MentionAllNotAllowed.
    let all = Mentions {
        users: vec![],
        all: true,
    };
    match carol.send_reply_mentioning(&g, "@all", seq, all).await {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::MentionAllNotAllowed),
        other => panic!("{other:?}"),
    }
}
