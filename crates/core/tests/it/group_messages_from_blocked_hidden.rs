//! Group messages from a user I blocked are hidden on my device (issue 16): the
//! server does not push them to me, but they still arrive when a seq gap is
//! filled (pull) or a history page is fetched. They must not show in the message
//! list, the conversation's last message, unread counts, search or `NewMessage`
//! events (so no notification), also after a restart from the cache; direct
//! messages are not affected; unblocking shows them again.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::{Change, Content, ConversationId};
use tern_core::{Client, Event, LocalMessage};

fn texts(ms: &[LocalMessage]) -> Vec<String> {
    ms.iter()
        .filter_map(|m| match &m.content {
            Content::Text { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

async fn summary(client: &Client, conv: &ConversationId) -> tern_core::Conversation {
    client
        .conversations()
        .await
        .unwrap()
        .into_iter()
        .find(|c| &c.conv == conv)
        .expect("conversation listed")
}

fn last_text(c: &tern_core::Conversation) -> Option<String> {
    c.last.as_ref().and_then(|m| match &m.content {
        Content::Text { text } => Some(text.clone()),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_messages_of_a_blocked_user_are_hidden_until_unblocked() {
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
    let conv = alice.group_conversation(&team.group);
    wait_for(&mut b_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;
    wait_for(&mut c_rx, |e| {
        matches!(e.group_change(), Some(Change::GroupJoined { .. }))
    })
    .await;

    // A direct message from carol before the block stays visible after it.
    let direct = carol.direct_conversation(&uid("bob")).unwrap();
    carol.send_text(&direct, "direct before").await.unwrap();
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.conv == direct),
    )
    .await;

    bob.block(&uid("carol")).await.unwrap();
    assert_eq!(bob.blocked().await.unwrap(), vec![uid("carol")]);

    // Carol writes to the group (not pushed to bob by a current server; pushed by an
    // older one), then alice: her message reveals the gap and bob pulls carol's.
    carol.send_text(&conv, "from carol").await.unwrap();
    alice.send_text(&conv, "from alice").await.unwrap();
    let Event::NewMessage { message, .. } = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.conv == conv),
    )
    .await
    else {
        unreachable!()
    };
    assert_eq!(texts(&[*message]), vec!["from alice"]);
    // Whatever else arrives: no NewMessage (hence no notification) for carol's.
    for e in drain(&mut b_rx, Duration::from_millis(700)).await {
        if let Event::NewMessage { message, .. } = e {
            assert_ne!(message.sender, uid("carol"), "event for a hidden message");
        }
    }

    let check_hidden = |bob: Client| {
        let (conv, direct) = (conv.clone(), direct.clone());
        async move {
            let page = bob.messages(&conv, None, 50).await.unwrap();
            assert_eq!(
                texts(&page),
                vec!["from alice"],
                "carol's message is hidden"
            );
            let c = summary(&bob, &conv).await;
            assert_eq!(c.max_seq.0, 2, "carol's message was pulled (seq 1)");
            assert_eq!(c.unread, 1, "only alice's message is unread");
            assert_eq!(last_text(&c).as_deref(), Some("from alice"));
            assert_eq!(
                bob.total_unread().await.unwrap(),
                2,
                "alice's + the direct one"
            );
            assert!(bob
                .search("carol", 0, 10)
                .await
                .unwrap()
                .messages
                .is_empty());
            assert_eq!(
                texts(&bob.search("alice", 0, 10).await.unwrap().messages),
                vec!["from alice"]
            );
            // Direct messages are not affected by the block.
            let d = bob.messages(&direct, None, 50).await.unwrap();
            assert_eq!(texts(&d), vec!["direct before"]);
        }
    };
    check_hidden(bob.clone()).await;

    // A second device of bob syncing from scratch (pull, not push) hides it too.
    let bob2 = Client::new(fast_config(dir.path().join("bob-2"), addr)).unwrap();
    let mut b2_rx = bob2.subscribe();
    bob2.login(&uid("bob"), "password123").await.unwrap();
    let mut seen = Vec::new();
    loop {
        let e = wait_for(&mut b2_rx, |_| true).await;
        if let Event::NewMessage { message, .. } = &e {
            if message.conv == conv {
                seen.push(message.sender.clone());
            }
        }
        if matches!(e, Event::SyncFinished { .. }) {
            break;
        }
    }
    assert_eq!(
        seen,
        vec![uid("alice")],
        "no NewMessage for carol's group message"
    );
    check_hidden(bob2.clone()).await;

    // Unblocking shows carol's message again, and the unread count is announced.
    bob.unblock(&uid("carol")).await.unwrap();
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::UnreadChanged { conv: c, unread: 2 } if c == &conv),
    )
    .await;
    let page = bob.messages(&conv, None, 50).await.unwrap();
    assert_eq!(texts(&page), vec!["from carol", "from alice"]);
    assert_eq!(summary(&bob, &conv).await.unread, 2);
    assert_eq!(bob.search("carol", 0, 10).await.unwrap().messages.len(), 1);
}
