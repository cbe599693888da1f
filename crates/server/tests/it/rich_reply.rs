//! Replies (issue 17): a message may quote another message of the same
//! conversation. The server checks, in the send's transaction, that the quoted
//! message exists there and that the sender can read it; the reference is
//! stored, pushed, pulled, and deduplicated with its message.

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, gsend, users};
use tern_proto::{ClientMsgId, Content, ConversationId, ErrorCode, Push, Request, Response, Seq};

fn reply(conv: &ConversationId, cid: &str, text: &str, to: u64) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(cid).unwrap(),
        content: Content::Text { text: text.into() },
        ext: None,
        after: None,
        reply_to: Some(Seq(to)),
        mentions: None,
    }
}

#[tokio::test]
async fn reply_is_stored_pushed_pulled_and_deduplicated_with_its_reference() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "a1", "lunch?")).await;
    bob.messages(1).await;
    let Response::Sent { seq, duplicate, .. } = bob.ok(reply(&conv, "b1", "yes!", 1)).await else {
        panic!()
    };
    assert!(!duplicate);
    let p = alice
        .push_where(|p| matches!(p, Push::Message { .. }))
        .await;
    let Push::Message { message } = p else {
        unreachable!()
    };
    assert_eq!((message.seq, message.reply_to), (seq, Some(Seq(1))));
    let (stored, _) = alice.pull_all(&conv, 1, 10, 10).await;
    assert_eq!(stored[0].reply_to, None);
    assert_eq!(stored[1].reply_to, Some(Seq(1)));
    // A resend of the same client id is the same message, reference and all.
    let Response::Sent {
        seq: again,
        duplicate,
        ..
    } = bob.ok(reply(&conv, "b1", "yes!", 1)).await
    else {
        panic!()
    };
    assert_eq!((again, duplicate), (seq, true));
    // A reply to a reply, and to my own message, are fine.
    bob.ok(reply(&conv, "b2", "and again", seq.0)).await;
    alice.ok(reply(&conv, "a2", "me too", 1)).await;
    server.stop().await;
}

#[tokio::test]
async fn reply_to_a_missing_or_foreign_message_is_refused_with_bad_reply() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let ab = dm("alice", "bob");
    let cc = dm("alice", "carol");
    alice.ok(text_msg(&ab, "a1", "one")).await;
    alice.ok(text_msg(&ab, "a2", "two")).await;
    carol.ok(text_msg(&cc, "c1", "hi alice")).await;
    // Seq 2 exists in d:alice:bob, not in d:alice:carol: no cross-conversation quotes.
    assert_eq!(
        alice
            .err_code(reply(&cc, "x1", "quoting the other chat", 2))
            .await,
        ErrorCode::BadReply
    );
    assert_eq!(
        alice
            .err_code(reply(&ab, "x2", "quoting the future", 3))
            .await,
        ErrorCode::BadReply,
        "seq 3 is the one being sent: not stored yet"
    );
    assert_eq!(
        alice.err_code(reply(&ab, "x3", "quoting nothing", 0)).await,
        ErrorCode::BadReply
    );
    // An outsider gets the membership answer, not whether the message exists.
    assert_eq!(
        carol.err_code(reply(&ab, "x4", "let me in", 1)).await,
        ErrorCode::Forbidden
    );
    let (stored, _) = alice.pull_all(&ab, 1, 10, 10).await;
    assert_eq!(stored.len(), 2, "nothing refused was stored");
    server.stop().await;
}

#[tokio::test]
async fn group_reply_needs_a_readable_message_and_the_send_rules() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "Team", &["bob"], None).await;
    let conv = gconv(&g.group);
    let secret = gsend(&mut alice, &g.group, "a1", "before carol").await;
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("carol")],
        })
        .await;
    let after = gsend(&mut bob, &g.group, "b1", "welcome carol").await;
    // The group hides its history from newcomers: carol cannot quote what she cannot read.
    assert_eq!(
        carol
            .err_code(reply(&conv, "c1", "what plan?", secret.0))
            .await,
        ErrorCode::BadReply
    );
    assert!(matches!(
        carol.ok(reply(&conv, "c2", "thanks!", after.0)).await,
        Response::Sent { .. }
    ));
    assert_eq!(
        dave.err_code(reply(&conv, "d1", "outsider", after.0)).await,
        ErrorCode::Forbidden
    );
    alice
        .ok(Request::MuteMember {
            group: g.group.clone(),
            user: uid("bob"),
            minutes: 5,
        })
        .await;
    assert_eq!(
        bob.err_code(reply(&conv, "b2", "muted", after.0)).await,
        ErrorCode::Muted
    );
    server.stop().await;
}

#[tokio::test]
async fn reply_when_blocked_gets_the_block_answer() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "a1", "hi")).await;
    bob.ok(Request::Block { user: uid("alice") }).await;
    assert_eq!(
        alice.err_code(reply(&conv, "a2", "hello?", 1)).await,
        ErrorCode::Blocked
    );
    server.stop().await;
}
