//! Editing text messages (issue 17): the sender edits, any number of times,
//! within the server's edit window; every member's devices get `edited`; pulls
//! carry the new text and `edited_at`; the edit log catches offline devices up;
//! every authorisation rule answers its own code.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::*;
use groups_support::{create, gconv, gsend, users};
use tern_proto::{Content, ConversationId, ErrorCode, Platform, Push, Request, Response, Seq};

fn edit(conv: &ConversationId, seq: Seq, text: &str) -> Request {
    Request::Edit {
        conv: conv.clone(),
        seq,
        text: text.into(),
    }
}

async fn sent(c: &mut Client, conv: &ConversationId, cid: &str, text: &str) -> Seq {
    let Response::Sent { seq, .. } = c.ok(text_msg(conv, cid, text)).await else {
        panic!("not sent")
    };
    seq
}

async fn edited_push(c: &mut Client) -> (ConversationId, Seq, String, i64) {
    let p = c.push_where(|p| matches!(p, Push::Edited { .. })).await;
    let Push::Edited {
        conv,
        seq,
        text,
        edited_at,
    } = p
    else {
        unreachable!()
    };
    (conv, seq, text, edited_at)
}

#[tokio::test]
async fn edit_reaches_every_device_and_pulls_carry_the_new_text_and_mark() {
    let server = TestServer::start().await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let seq = sent(&mut a1, &conv, "e1", "lunch at 12?").await;
    bob.messages(1).await;
    a2.messages(1).await;

    let Response::Edited { edited_at } = a1.ok(edit(&conv, seq, "lunch at 1?")).await else {
        panic!()
    };
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(
            edited_push(c).await,
            (conv.clone(), seq, "lunch at 1?".to_string(), edited_at)
        );
    }
    // Edited again: any number of times.
    let Response::Edited { edited_at: second } = a1.ok(edit(&conv, seq, "lunch at 2?")).await
    else {
        panic!()
    };
    assert!(second >= edited_at);
    assert_eq!(edited_push(&mut bob).await.2, "lunch at 2?");
    let (stored, _) = bob.pull_all(&conv, 1, 10, 10).await;
    assert_eq!(
        stored[0].content,
        Content::Text {
            text: "lunch at 2?".into()
        }
    );
    assert_eq!(stored[0].edited_at, Some(second));
    assert!(!serde_json::to_string(&stored)
        .unwrap()
        .contains("lunch at 12?"));
    // The same text again (a retry): nothing changes, nobody is pushed.
    let Response::Edited { edited_at: again } = a1.ok(edit(&conv, seq, "lunch at 2?")).await else {
        panic!()
    };
    assert_eq!(again, second);
    let pushes = bob.drain_pushes(Duration::from_millis(300)).await;
    assert!(
        !pushes.iter().any(|p| matches!(p, Push::Edited { .. })),
        "{pushes:?}"
    );
    // A message never edited has no mark.
    let other = sent(&mut bob, &conv, "b1", "ok").await;
    let (stored, _) = alice_pull(&mut a2, &conv).await;
    assert_eq!(stored[other.0 as usize - 1].edited_at, None);
    server.stop().await;
}

async fn alice_pull(c: &mut Client, conv: &ConversationId) -> (Vec<tern_proto::Message>, usize) {
    c.pull_all(conv, 1, 100, 100).await
}

#[tokio::test]
async fn edit_refuses_others_messages_non_text_recalled_and_bad_text() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let conv = dm("alice", "bob");
    let seq = sent(&mut alice, &conv, "t1", "hello").await;
    assert_eq!(
        bob.err_code(edit(&conv, seq, "hacked")).await,
        ErrorCode::NotSender
    );
    assert_eq!(
        carol.err_code(edit(&conv, seq, "hacked")).await,
        ErrorCode::Forbidden,
        "not a member of the chat"
    );
    assert_eq!(
        alice.err_code(edit(&conv, Seq(99), "x")).await,
        ErrorCode::NotFound
    );
    assert_eq!(
        alice.err_code(edit(&conv, seq, "")).await,
        ErrorCode::InvalidArgument
    );
    let long = "x".repeat(8001);
    assert_eq!(
        alice.err_code(edit(&conv, seq, &long)).await,
        ErrorCode::TooLarge
    );
    let loc = alice
        .ok(Request::Send {
            conv: conv.clone(),
            client_id: tern_proto::ClientMsgId::new("l1").unwrap(),
            content: Content::Location {
                lat: 1.0,
                lon: 2.0,
                label: "here".into(),
            },
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    let Response::Sent { seq: loc, .. } = loc else {
        panic!()
    };
    assert_eq!(
        alice.err_code(edit(&conv, loc, "text now")).await,
        ErrorCode::NotEditable
    );
    alice
        .ok(Request::Recall {
            conv: conv.clone(),
            seq,
        })
        .await;
    assert_eq!(
        alice.err_code(edit(&conv, seq, "back")).await,
        ErrorCode::NotEditable,
        "a recalled message stays recalled"
    );
    server.stop().await;
}

#[tokio::test]
async fn edit_after_the_window_is_refused_and_zero_means_always() {
    let server = TestServer::start_with(|c| c.edit_window = Duration::from_secs(1)).await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let seq = sent(&mut alice, &conv, "w1", "soon stale").await;
    alice.ok(edit(&conv, seq, "still fresh")).await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        alice.err_code(edit(&conv, seq, "too late")).await,
        ErrorCode::EditWindowExpired
    );
    server.stop().await;

    let server = TestServer::start_with(|c| c.edit_window = Duration::ZERO).await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let seq = sent(&mut alice, &conv, "w2", "forever").await;
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(matches!(
        alice.ok(edit(&conv, seq, "forever, edited")).await,
        Response::Edited { .. }
    ));
    server.stop().await;
}

#[tokio::test]
async fn edit_when_blocked_by_the_peer_is_refused() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let seq = sent(&mut alice, &conv, "b1", "hi").await;
    bob.ok(Request::Block { user: uid("alice") }).await;
    assert_eq!(
        alice.err_code(edit(&conv, seq, "hi!")).await,
        ErrorCode::Blocked
    );
    server.stop().await;
}

#[tokio::test]
async fn group_edit_needs_membership_and_is_refused_while_muted() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let conv = gconv(&g.group);
    let seq = gsend(&mut bob, &g.group, "g1", "draft").await;
    assert_eq!(
        dave.err_code(edit(&conv, seq, "x")).await,
        ErrorCode::Forbidden
    );
    assert_eq!(
        alice.err_code(edit(&conv, seq, "x")).await,
        ErrorCode::NotSender,
        "even the owner cannot edit someone else's text"
    );
    let Response::Edited { .. } = bob.ok(edit(&conv, seq, "final")).await else {
        panic!()
    };
    for c in [&mut alice, &mut carol] {
        assert_eq!(edited_push(c).await.2, "final");
    }
    alice
        .ok(Request::MuteMember {
            group: g.group.clone(),
            user: uid("bob"),
            minutes: 5,
        })
        .await;
    assert_eq!(
        bob.err_code(edit(&conv, seq, "muted edit")).await,
        ErrorCode::Muted
    );
    server.stop().await;
}

/// A device offline during edits learns them from `conversations`
/// (`edit_version`) and `edits`, which pages the log; a message edited twice
/// appears once with its newest text; a recalled one leaves the log.
#[tokio::test]
async fn edit_log_pages_the_newest_text_for_offline_devices() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    for i in 1..=4 {
        sent(&mut alice, &conv, &format!("m{i}"), &format!("v0 of {i}")).await;
    }
    for (seq, text) in [
        (1, "v1 of 1"),
        (2, "v1 of 2"),
        (1, "v2 of 1"),
        (3, "v1 of 3"),
    ] {
        alice.ok(edit(&conv, Seq(seq), text)).await;
    }
    alice
        .ok(Request::Recall {
            conv: conv.clone(),
            seq: Seq(3),
        })
        .await;
    let Response::Conversations { conversations } = bob.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations[0].edit_version, 4);
    let page = |since, limit| Request::Edits {
        conv: conv.clone(),
        since,
        limit: Some(limit),
    };
    let Response::Edits { latest, edits } = bob.ok(page(0, 1)).await else {
        panic!()
    };
    assert_eq!(latest, 4);
    assert_eq!(
        edits
            .iter()
            .map(|e| (e.version, e.seq, e.text.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, Seq(2), "v1 of 2")]
    );
    let Response::Edits { edits, .. } = bob.ok(page(2, 10)).await else {
        panic!()
    };
    assert_eq!(
        edits
            .iter()
            .map(|e| (e.version, e.seq, e.text.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, Seq(1), "v2 of 1")],
        "message 3 was recalled after its edit: the recall log covers it"
    );
    let mut carol = server.user("carol").await;
    assert_eq!(carol.err_code(page(0, 10)).await, ErrorCode::Forbidden);
    // The log survives a restart.
    drop((alice, bob, carol));
    let server = server.restart().await;
    let mut bob = server.user("bob").await;
    let Response::Edits { latest, edits } = bob.ok(page(0, 10)).await else {
        panic!()
    };
    assert_eq!((latest, edits.len()), (4, 2));
    server.stop().await;
}
