//! A reply that mentions, in tern-core (issue 17): alice replies to carol's
//! message in a group bob has muted, mentioning bob. Bob's copy carries both
//! the quote and the mention, counts as an unread mention and notifies
//! although the chat is muted (`should_notify_message`); carol, quoted but not
//! mentioned, has no unread mention. A non-member mention is refused with its
//! code; empty mentions are a plain reply (a one-to-one chat too). The second
//! test is the app composer's path: mentions outside a group are refused
//! before anything is queued; a plain member's @all in a reply is refused.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::{Change, ErrorCode, Mentions};
use tern_core::{Error, Event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_mentioning_a_member_notifies_them_through_a_mute() {
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
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    wait_for(&mut c_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    bob.mute_conv(&g, None).await.unwrap();
    let quoted = carol.send_text(&g, "Friday?").await.unwrap();
    let quoted_seq = quoted.seq.unwrap();

    let bob_only = Mentions {
        users: vec![uid("bob")],
        all: false,
    };
    let sent = alice
        .send_reply_mentioning(&g, "@bob can you book it?", quoted_seq, bob_only.clone())
        .await
        .unwrap();
    assert_eq!(sent.reply_to, Some(quoted_seq));
    assert_eq!(sent.mentions.as_ref(), Some(&bob_only));
    let seq = sent.seq.expect("stored");

    let now = 1_900_000_000_000;
    let got = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.seq == Some(seq)),
    )
    .await;
    let Event::NewMessage { message, .. } = got else {
        unreachable!()
    };
    assert_eq!(message.reply_to, Some(quoted_seq));
    assert_eq!(message.mentions.as_ref(), Some(&bob_only));
    for _ in 0..100 {
        if bob.conv_settings(&g).await.unwrap().is_muted(now) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !bob.should_notify(&g, now).await.unwrap(),
        "the chat is muted"
    );
    assert!(
        bob.should_notify_message(&message, now).await.unwrap(),
        "the mention notifies through the mute"
    );
    assert_eq!(bob.unread_mentions(&g).await.unwrap(), 1);
    let quote = bob.quote(&g, quoted_seq).await.unwrap();
    assert_eq!(quote.snippet, "Friday?");
    // Carol was quoted, not mentioned.
    wait_for(
        &mut c_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.seq == Some(seq)),
    )
    .await;
    assert_eq!(carol.unread_mentions(&g).await.unwrap(), 0);

    // A non-member mention is the server's BadMention; nothing is queued.
    let outsider = Mentions {
        users: vec![uid("dave")],
        all: false,
    };
    match carol
        .send_reply_mentioning(&g, "@dave?", quoted_seq, outsider)
        .await
    {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::BadMention),
        other => panic!("{other:?}"),
    }
    // Mentions are for groups; empty ones make a plain reply anywhere.
    let ab = alice.direct_conversation(&uid("bob")).unwrap();
    let hi = alice.send_text(&ab, "hi").await.unwrap();
    match bob
        .send_reply_mentioning(&ab, "@alice", hi.seq.unwrap(), bob_only)
        .await
    {
        Err(Error::InvalidArgument(_)) => {}
        other => panic!("{other:?}"),
    }
    let plain = bob
        .send_reply_mentioning(&ab, "hello", hi.seq.unwrap(), Mentions::default())
        .await
        .unwrap();
    assert_eq!((plain.reply_to, plain.mentions), (hi.seq, None));
    for c in [alice, bob, carol] {
        c.close().await;
    }
    server.shutdown().await;
}

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
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    wait_for(&mut c_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
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
