//! Forward and @mentions in tern-core (issue 17): alice forwards a chat merged
//! into a group; bob (online) and bob's tablet (offline meanwhile, then
//! resynced) converge on the chat history with its senders and times. Alice
//! mentions bob in the muted group: every device of bob's counts an unread
//! mention and would notify although the chat is muted; reading clears it; a
//! plain member's @all and a non-member mention are refused.

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::{Change, Content, ConversationId, DeviceId, ErrorCode, Mentions};
use tern_core::{Client, Error, Event};

async fn eventually<F, Fut>(what: &str, f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

async fn unread_mentions(c: &Client, conv: &ConversationId) -> u64 {
    c.unread_mentions(conv).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_forward_and_mentions_converge_on_online_and_offline_devices() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let (carol, mut c_rx) = user(dir.path(), addr, "carol").await;
    let mut cfg = fast_config(dir.path().join("bob-tablet"), addr);
    cfg.device = Some(DeviceId::new("tablet").unwrap());
    let tablet = Client::new(cfg).unwrap();
    let mut t_rx = tablet.subscribe();
    tablet.login(&uid("bob"), "password123").await.unwrap();
    wait_for(&mut t_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let token = tablet.token().unwrap();

    let ac = alice.direct_conversation(&uid("carol")).unwrap();
    let first = carol.send_text(&ac, "Plan: Friday").await.unwrap();
    let second = alice.send_text(&ac, "Agreed").await.unwrap();
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
    // The tablet goes offline; bob mutes the group (synced to his devices).
    tablet.close().await;
    bob.mute_conv(&g, None).await.unwrap();

    let seqs = [first.seq.unwrap(), second.seq.unwrap()];
    let results = alice
        .forward(
            &ac,
            &seqs,
            std::slice::from_ref(&g),
            true,
            Some("Carol and me".into()),
        )
        .await
        .unwrap();
    assert!(results[0].error.is_none(), "{results:?}");
    let mention = alice
        .send_mentioning(
            &g,
            "@bob please book",
            Mentions {
                users: vec![uid("bob")],
                all: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(mention.mentions.as_ref().unwrap().users, vec![uid("bob")]);
    eventually("bob has both messages", || async {
        bob.messages(&g, None, 10).await.unwrap().len() >= 2
    })
    .await;

    // Refusals surface with their codes (nothing queued for a retry).
    let all = Mentions {
        users: vec![],
        all: true,
    };
    match carol.send_mentioning(&g, "@all hi", all).await {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::MentionAllNotAllowed),
        other => panic!("{other:?}"),
    }
    let outsider = Mentions {
        users: vec![uid("dave")],
        all: false,
    };
    match carol.send_mentioning(&g, "@dave?", outsider).await {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::BadMention),
        other => panic!("{other:?}"),
    }

    // The tablet comes back and catches up.
    tablet.login_with_token(&uid("bob"), &token).await.unwrap();
    tablet.resync().await.unwrap();
    let now = 1_900_000_000_000;
    for (who, c) in [("bob", &bob), ("tablet", &tablet)] {
        eventually(who, || async {
            c.messages(&g, None, 10).await.unwrap().len() >= 2
        })
        .await;
        let msgs = c.messages(&g, None, 10).await.unwrap();
        let history = msgs
            .iter()
            .find_map(|m| match &m.content {
                Content::ChatHistory { title, items } => Some((title.clone(), items.clone())),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{who}: no chat history in {msgs:?}"));
        assert_eq!(history.0, "Carol and me");
        let senders: Vec<_> = history
            .1
            .iter()
            .map(|i| (i.sender.clone(), i.sent_at))
            .collect();
        assert_eq!(
            senders,
            [
                (uid("carol"), first.sent_at),
                (uid("alice"), second.sent_at)
            ],
            "{who}"
        );
        assert_eq!(unread_mentions(c, &g).await, 1, "{who}");
        let listed = c.conversation(&g).await.unwrap().unwrap();
        assert_eq!((listed.unread, listed.unread_mentions), (2, 1), "{who}");
        // Muted on every device (synced), but the mention still notifies.
        eventually("the mute reached this device", || async {
            c.conv_settings(&g).await.unwrap().is_muted(now)
        })
        .await;
        assert!(!c.should_notify(&g, now).await.unwrap(), "{who}");
        let m = msgs.iter().find(|m| m.mentions.is_some()).unwrap();
        assert!(c.should_notify_message(m, now).await.unwrap(), "{who}");
        let h = msgs.iter().find(|m| m.mentions.is_none()).unwrap();
        assert!(!c.should_notify_message(h, now).await.unwrap(), "{who}");
    }
    // Carol is not mentioned: no flag, and her own view of the history matches.
    assert_eq!(unread_mentions(&carol, &g).await, 0);

    // Reading on the tablet clears the flag on both of bob's devices.
    tablet.mark_read(&g).await.unwrap();
    for c in [&bob, &tablet] {
        eventually("the mention is read", || async {
            unread_mentions(c, &g).await == 0
        })
        .await;
    }
    for c in [alice, bob, carol, tablet] {
        c.close().await;
    }
    server.shutdown().await;
}
