//! Behaviour docs/protocol.md spells out because a client cannot guess it:
//! `hello` again after login, a client id reused in another conversation or by
//! another user, the JSON nesting limit, `mark_read`'s `read` push to the
//! calling connection, and a `set_profile` that changes nothing logging nothing.

use crate::common;

use common::*;
use tern_proto::{ErrorCode, Push, Request, Response, Seq, ServerFrame};

#[tokio::test]
async fn hello_is_answered_again_after_login_and_changes_nothing() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let Response::Hello { limits, .. } = alice
        .ok(Request::Hello {
            version: tern_proto::PROTOCOL_VERSION,
        })
        .await
    else {
        panic!("hello answers hello")
    };
    assert_eq!(limits.max_page, server.config.max_page);
    // Still logged in.
    assert!(matches!(
        alice.ok(Request::Conversations).await,
        Response::Conversations { .. }
    ));
    assert_eq!(
        alice
            .err_code(Request::Login {
                user: uid("alice"),
                password: PASSWORD.into(),
                platform: tern_proto::Platform::Desktop,
                device: tern_proto::DeviceId::new("again").unwrap(),
            })
            .await,
        ErrorCode::AlreadyAuthenticated
    );
    // Another version, even when logged in: VersionMismatch, then close 4003.
    assert_eq!(
        alice.err_code(Request::Hello { version: 999 }).await,
        ErrorCode::VersionMismatch
    );
    let close = alice.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4003);
    server.stop().await;
}

/// The dedup key is (sender, client id), not the conversation: over the
/// WebSocket a client id already used in another conversation is acked as a
/// duplicate of that first message (its `conv`, `seq` and `id`) and nothing is
/// stored or pushed; the admin API answers 409 instead (admin_messages.rs).
#[tokio::test]
async fn a_client_id_reused_in_another_conversation_acks_the_first_message() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let Response::Sent { conv, seq, id, .. } = alice
        .ok(text_msg(&dm("alice", "bob"), "c-1", "to bob"))
        .await
    else {
        panic!()
    };
    bob.messages(1).await;
    let again = alice
        .ok(text_msg(&dm("alice", "carol"), "c-1", "to carol"))
        .await;
    let Response::Sent {
        conv: conv2,
        seq: seq2,
        id: id2,
        duplicate,
        ..
    } = again
    else {
        panic!()
    };
    assert_eq!(
        (conv2, seq2, id2, duplicate),
        (conv, seq, id, true),
        "acked as the first message, in its conversation"
    );
    let pushed = carol
        .drain_pushes(std::time::Duration::from_millis(200))
        .await;
    assert!(
        !pushed.iter().any(|p| matches!(p, Push::Message { .. })),
        "{pushed:?}"
    );
    let Response::Conversations { conversations } = carol.ok(Request::Conversations).await else {
        panic!()
    };
    assert!(conversations.is_empty(), "nothing stored for carol");
    server.stop().await;
}

/// The key is the pair: another user sending with my client id (seen in a push:
/// ids are not secret) stores a message of their own, is not acked as mine, and
/// my resend is still answered with my original. (The key's index is ordered by
/// client id first since SQLite migration 18; the sender stays part of it.)
#[tokio::test]
async fn a_client_id_someone_else_used_is_a_new_message_for_me() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let Response::Sent { seq, id, .. } = alice.ok(text_msg(&conv, "shared-1", "mine")).await else {
        panic!()
    };
    bob.messages(1).await;
    let Response::Sent {
        seq: bob_seq,
        id: bob_id,
        duplicate,
        ..
    } = bob.ok(text_msg(&conv, "shared-1", "bob's")).await
    else {
        panic!()
    };
    assert!(!duplicate, "bob's send is not taken for alice's");
    assert_ne!((bob_seq, bob_id), (seq, id));
    let Response::Sent {
        seq: again_seq,
        id: again_id,
        duplicate,
        ..
    } = alice.ok(text_msg(&conv, "shared-1", "mine")).await
    else {
        panic!()
    };
    assert_eq!((again_seq, again_id, duplicate), (seq, id, true));
    let Response::Messages { messages } = alice
        .ok(Request::History {
            conv,
            before: None,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    // History is newest first.
    let senders: Vec<&str> = messages.iter().map(|m| m.sender.as_str()).collect();
    assert_eq!(senders, ["bob", "alice"], "both stored, once each");
    server.stop().await;
}

/// A frame nesting objects/arrays 128 levels deep (the frame object counts as
/// one) is not read: `BadFrame` with `id: null`; 127 levels are fine.
#[tokio::test]
async fn frames_nested_deeper_than_127_levels_are_bad_frames() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    // frame (1) › req (2) › ext (3) › "k": arrays (4 …)
    let frame = |levels: usize, id: u64| {
        let arrays = levels - 3;
        format!(
            r#"{{"id":{id},"req":{{"cmd":"send","conv":"d:alice:bob","client_id":"deep-{levels}","content":{{"type":"text","text":"x"}},"ext":{{"k":{}{}}}}}}}"#,
            "[".repeat(arrays),
            "]".repeat(arrays)
        )
    };
    alice.send_text(&frame(127, 1)).await;
    match alice.frame().await {
        ServerFrame::Ok {
            res: Response::Sent { seq, .. },
            ..
        } => assert_eq!(seq, Seq(1)),
        other => panic!("127 levels are accepted: {other:?}"),
    }
    alice.send_text(&frame(128, 2)).await;
    match alice.frame().await {
        ServerFrame::Err { id: None, err } => {
            assert_eq!(err.code, ErrorCode::BadFrame);
            assert!(err.message.contains("recursion limit"), "{}", err.message);
        }
        other => panic!("128 levels are refused: {other:?}"),
    }
    assert!(matches!(
        alice.ok(Request::Ping).await,
        Response::Pong { .. }
    ));
    server.stop().await;
}

#[tokio::test]
async fn mark_read_pushes_read_to_the_calling_connection_too() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    bob.ok(text_msg(&conv, "b-1", "hi")).await;
    alice.messages(1).await;
    assert_eq!(
        alice
            .ok(Request::MarkRead {
                conv: conv.clone(),
                seq: Seq(1)
            })
            .await,
        Response::Done
    );
    let expected = Push::Read {
        conv,
        user: uid("alice"),
        seq: Seq(1),
    };
    let own = alice.push_where(|p| matches!(p, Push::Read { .. })).await;
    assert_eq!(own, expected, "the calling connection gets `read` too");
    server.stop().await;
}

/// The latest change-log version of `c`'s user.
async fn latest(c: &mut Client) -> u64 {
    let Response::Changes { latest, .. } = c
        .ok(Request::SyncChanges {
            since: 0,
            limit: Some(1),
        })
        .await
    else {
        panic!("sync_changes answers changes")
    };
    latest
}

#[tokio::test]
async fn a_set_profile_that_changes_nothing_logs_and_pushes_nothing() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice.befriend(&mut bob).await;
    let set = |nickname: Option<&str>| Request::SetProfile {
        nickname: nickname.map(str::to_owned),
        avatar: None,
        signature: None,
    };
    alice.ok(set(Some("Alice"))).await;
    let (mine, bobs) = (latest(&mut alice).await, latest(&mut bob).await);
    // No field, and the nickname it already has: answered, nothing logged.
    for req in [set(None), set(Some("Alice"))] {
        assert!(matches!(alice.ok(req).await, Response::Profile { .. }));
    }
    assert_eq!(latest(&mut alice).await, mine, "my log grew");
    assert_eq!(latest(&mut bob).await, bobs, "my friend's log grew");
    // A real change is logged for both, as before.
    alice.ok(set(Some("Alice B."))).await;
    assert_eq!(latest(&mut alice).await, mine + 1);
    assert_eq!(latest(&mut bob).await, bobs + 1);
    server.stop().await;
}
