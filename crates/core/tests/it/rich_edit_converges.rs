//! Edits (issue 17) converge: alice edits her message; bob (online) gets the new
//! text live, and alice's second device, closed during the edits, catches up
//! on its next sign-in from the server's edit log. On every device the cache
//! holds the newest text with its `edited_at`, and search finds the new text,
//! not the old.

use crate::common;

use common::*;
use tern_core::proto::{Content, DeviceId};
use tern_core::{Client, Event};

fn text_of(m: &tern_core::LocalMessage) -> &str {
    match &m.content {
        Content::Text { text } => text,
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_reach_online_peer_live_and_offline_device_on_resync_and_search_follows() {
    let (dir, server, (alice, _a_rx), (bob, mut b_rx), conv) = alice_and_bob().await;
    let mut cfg = fast_config(dir.path().join("alice-tablet"), server.addr());
    cfg.device = Some(DeviceId::new("tablet").unwrap());
    let tablet = Client::new(cfg).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("alice"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;

    let first = alice
        .send_text(&conv, "meet at the aardvark cafe")
        .await
        .unwrap();
    let seq = first.seq.unwrap();
    alice
        .send_text(&conv, "second, never edited")
        .await
        .unwrap();
    for rx in [&mut b_rx, &mut t_rx] {
        wait_for(rx, |e| {
            matches!(e, Event::NewMessage { message, .. } if message.seq == Some(tern_core::proto::Seq(seq.0 + 1)))
        })
        .await;
    }
    assert_eq!(
        tablet
            .search("aardvark", 0, 10)
            .await
            .unwrap()
            .messages
            .len(),
        1
    );

    // The tablet closes; alice edits twice.
    let token = tablet.token().unwrap();
    tablet.close().await;
    alice
        .edit(&conv, seq, "meet at the zebra bar")
        .await
        .unwrap();
    let last = alice
        .edit(&conv, seq, "meet at the zebra bar, 8pm")
        .await
        .unwrap();

    // Bob, online, sees each edit live.
    let e = wait_for(
        &mut b_rx,
        |e| matches!(e, Event::Edited { text, .. } if text == "meet at the zebra bar, 8pm"),
    )
    .await;
    let Event::Edited { edited_at, .. } = e else {
        unreachable!()
    };
    assert_eq!(edited_at, last);

    // The tablet comes back: the resync applies the edit log.
    let mut t_rx = tablet.subscribe();
    tablet
        .login_with_token(&uid("alice"), &token)
        .await
        .unwrap();
    let mut edited = Vec::new();
    loop {
        match wait_for(&mut t_rx, |_| true).await {
            Event::Edited { seq: s, text, .. } => edited.push((s, text)),
            Event::SyncFinished { .. } => break,
            _ => {}
        }
    }
    assert_eq!(
        edited,
        vec![(seq, "meet at the zebra bar, 8pm".to_string())],
        "one event with the newest text"
    );

    for (who, c) in [("alice", &alice), ("bob", &bob), ("tablet", &tablet)] {
        let msgs = c.messages(&conv, None, 50).await.unwrap();
        let m = msgs.iter().find(|m| m.seq == Some(seq)).unwrap();
        assert_eq!(text_of(m), "meet at the zebra bar, 8pm", "{who}");
        assert_eq!(m.edited_at, Some(last), "{who}: the edited mark");
        let other = msgs
            .iter()
            .find(|m| m.seq == Some(tern_core::proto::Seq(seq.0 + 1)));
        assert_eq!(other.unwrap().edited_at, None, "{who}");
        assert!(
            c.search("aardvark", 0, 10)
                .await
                .unwrap()
                .messages
                .is_empty(),
            "{who}: the old text is no longer found"
        );
        let found = c.search("zebra", 0, 10).await.unwrap().messages;
        assert_eq!(found.len(), 1, "{who}: the new text is found");
        assert_eq!(found[0].seq, Some(seq));
    }

    // A second resync has nothing new to announce.
    tablet.resync().await.unwrap();
    let again = drain(&mut t_rx, std::time::Duration::from_millis(300)).await;
    assert!(
        !again.iter().any(|e| matches!(e, Event::Edited { .. })),
        "{again:?}"
    );

    // Someone else's message cannot be edited; the cache keeps its text.
    let err = bob.edit(&conv, seq, "bob was here").await.unwrap_err();
    assert!(err.to_string().contains("4010"), "{err}");
    let msgs = bob.messages(&conv, None, 50).await.unwrap();
    assert_eq!(
        text_of(msgs.iter().find(|m| m.seq == Some(seq)).unwrap()),
        "meet at the zebra bar, 8pm"
    );
    for c in [alice, bob, tablet] {
        c.close().await;
    }
    server.shutdown().await;
}
