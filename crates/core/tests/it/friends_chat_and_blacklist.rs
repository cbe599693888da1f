//! Two users: friend flow, chat with read receipts, and a blacklist refusal that the
//! sender sees as the distinct `Blocked` error code.

use crate::common;

use common::*;
use tern_core::proto::{ApplicationState, Content, ErrorCode};
use tern_core::{DeliveryState, Error, Event, LoginStatus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friend_flow_chat_and_blacklist_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let (alice, mut a_rx) = user(dir.path(), server.addr(), "alice").await;
    let (bob, mut b_rx) = user(dir.path(), server.addr(), "bob").await;
    assert_eq!(alice.login_status(), LoginStatus::LoggedIn);

    // Friend application: pushed to bob, listed on both sides.
    alice.apply_friend(&uid("bob"), "hello bob").await.unwrap();
    let e = wait_for(&mut b_rx, |e| {
        matches!(e, Event::FriendApplicationAdded { .. })
    })
    .await;
    let Event::FriendApplicationAdded { application } = e else {
        unreachable!()
    };
    assert_eq!(
        (application.from.as_str(), application.greeting.as_str()),
        ("alice", "hello bob")
    );
    assert_eq!(bob.received_applications().await.unwrap().len(), 1);
    assert_eq!(
        alice.sent_applications().await.unwrap()[0].state,
        ApplicationState::Pending
    );

    bob.accept_friend(&uid("alice")).await.unwrap();
    assert_eq!(bob.friends().await.unwrap()[0].profile.user, uid("alice"));
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::FriendAdded { friend } if friend.profile.user == uid("bob")),
    )
    .await;
    assert_eq!(alice.friends().await.unwrap().len(), 1);
    assert_eq!(
        alice
            .check_friends(&[uid("bob"), uid("carol")])
            .await
            .unwrap(),
        vec![uid("bob")]
    );
    alice.set_remark(&uid("bob"), "Bobby").await.unwrap();
    assert_eq!(alice.search_friends("bobb").await.unwrap().len(), 1);

    // Chat: acked for alice, pushed to bob with an unread count; read receipt back.
    let conv = alice.direct_conversation(&uid("bob")).unwrap();
    let sent = alice.send_text(&conv, "hi bob 👋").await.unwrap();
    assert_eq!(sent.state, DeliveryState::Sent);
    assert!(sent.seq.is_some());
    let e = wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await;
    let Event::NewMessage { message, live } = e else {
        unreachable!()
    };
    assert!(live && !message.outgoing);
    assert_eq!(
        message.content,
        Content::Text {
            text: "hi bob 👋".into()
        }
    );
    wait_for(&mut b_rx, |e| {
        matches!(e, Event::UnreadChanged { unread: 1, .. })
    })
    .await;
    let convs = bob.conversations().await.unwrap();
    assert_eq!((convs.len(), convs[0].unread), (1, 1));
    assert_eq!(convs[0].peer, Some(uid("alice")));
    assert_eq!(alice.conversations().await.unwrap()[0].title, "Bobby");

    bob.mark_read(&conv).await.unwrap();
    assert_eq!(bob.total_unread().await.unwrap(), 0);
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::ReadReceipt { user, .. } if user == &uid("bob")),
    )
    .await;
    let history = alice.messages(&conv, None, 20).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, DeliveryState::Read);

    // Recall: bob's copy becomes a tombstone and leaves the search index.
    let seq = sent.seq.unwrap();
    let oops = alice.send_text(&conv, "oops wrong chat").await.unwrap();
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::NewMessage { message, .. } if message.client_id == oops.client_id),
    )
    .await;
    assert_eq!(bob.search("wrong", 0, 10).await.unwrap().messages.len(), 1);
    alice.recall(&conv, oops.seq.unwrap()).await.unwrap();
    wait_for(
        &mut b_rx,
        |e| matches!(e, Event::Recalled { seq: s, .. } if *s == oops.seq.unwrap()),
    )
    .await;
    let page = bob.messages(&conv, None, 20).await.unwrap();
    assert!(
        matches!(page[1].content, Content::Recalled { .. }),
        "{:?}",
        page[1]
    );
    assert!(bob
        .search("wrong", 0, 10)
        .await
        .unwrap()
        .messages
        .is_empty());
    assert_ne!(seq, oops.seq.unwrap());
    bob.mark_read(&conv).await.unwrap();

    // Doomed messages are refused before they reach the outbox.
    assert!(matches!(
        alice.send_text(&conv, "  ").await,
        Err(Error::InvalidArgument(_))
    ));
    let long = "x".repeat(8_001);
    assert!(matches!(
        alice.send_text(&conv, &long).await,
        Err(Error::InvalidArgument(_))
    ));
    assert!(alice.outbox().await.unwrap().is_empty());

    // Typing reaches the peer.
    bob.typing(&conv).await.unwrap();
    wait_for(
        &mut a_rx,
        |e| matches!(e, Event::Typing { user, .. } if user == &uid("bob")),
    )
    .await;

    // Blacklist: bob blocks alice; her message and her application are refused as Blocked.
    bob.block(&uid("alice")).await.unwrap();
    assert_eq!(bob.blocked().await.unwrap(), vec![uid("alice")]);
    let err = alice.send_text(&conv, "are you there?").await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Blocked), "{err}");
    let e = wait_for(&mut a_rx, |e| matches!(e, Event::MessageFailed { .. })).await;
    let Event::MessageFailed { message, error } = e else {
        unreachable!()
    };
    assert_eq!(message.state, DeliveryState::Failed);
    assert_eq!(error.map(|e| e.code), Some(ErrorCode::Blocked));
    let failed = alice.message(&message.client_id).await.unwrap().unwrap();
    assert_eq!(failed.error.unwrap().code, ErrorCode::Blocked);
    let err = alice.apply_friend(&uid("bob"), "again").await.unwrap_err();
    assert!(
        matches!(&err, Error::Server(e) if e.code == ErrorCode::Blocked),
        "{err}"
    );

    // Unblocked: the failed message can be resent and arrives once.
    bob.unblock(&uid("alice")).await.unwrap();
    let resent = alice.resend(&message.client_id).await.unwrap();
    assert_eq!(resent.state, DeliveryState::Sent);
    let e = wait_for(&mut b_rx, |e| matches!(e, Event::NewMessage { .. })).await;
    let Event::NewMessage { message: got, .. } = e else {
        unreachable!()
    };
    assert_eq!(got.client_id, message.client_id);
    let bob_history = bob.messages(&conv, None, 20).await.unwrap();
    assert_eq!(bob_history.len(), 3);

    // A brand-new device of bob's starts from a snapshot of his relations.
    let tablet =
        tern_core::Client::new(fast_config(dir.path().join("bob-tablet"), server.addr())).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    assert_eq!(
        tablet.friends().await.unwrap()[0].profile.user,
        uid("alice")
    );
    assert_eq!(tablet.received_applications().await.unwrap().len(), 1);
    assert!(tablet.blocked().await.unwrap().is_empty());
    assert_eq!(tablet.conversations().await.unwrap()[0].max_seq.0, 3);
    tablet.close().await;

    alice.logout().await.unwrap();
    assert_eq!(alice.login_status(), LoginStatus::LoggedOut);
    bob.close().await;
    server.shutdown().await;
}
