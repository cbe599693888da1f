//! A reply can mention (issue 17): one `send` carries both `reply_to` and
//! `mentions`; the server checks both in the send's transaction (the quoted
//! message first: BadReply; then the list: members only, BadMention; @all by
//! the owner and admins only, MentionAllNotAllowed; groups only), and both
//! travel with the message (push, pull, resend).

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, gsend};
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, Mentions, Request, Response, Seq,
};

fn reply(conv: &ConversationId, cid: &str, to: u64, users: &[&str], all: bool) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(cid).unwrap(),
        content: Content::Text {
            text: format!("re: @{}", users.join(" @")),
        },
        ext: None,
        after: None,
        reply_to: Some(Seq(to)),
        mentions: Some(Mentions {
            users: users.iter().map(|u| uid(u)).collect(),
            all,
        }),
    }
}

#[tokio::test]
async fn a_reply_carries_its_mentions_live_on_pull_and_on_a_resend() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let team = gconv(&g.group);
    let quoted = gsend(&mut alice, &g.group, "a1", "Friday?").await;
    bob.messages(1).await;
    carol.messages(1).await;
    let req = reply(&team, "b1", quoted.0, &["carol", "alice"], false);
    let Response::Sent { seq, .. } = bob.ok(req.clone()).await else {
        panic!()
    };
    let want = Some(Mentions {
        users: vec![uid("carol"), uid("alice")],
        all: false,
    });
    for who in [&mut alice, &mut carol] {
        let pushed = who.messages(1).await;
        assert_eq!(
            (pushed[0].reply_to, &pushed[0].mentions),
            (Some(quoted), &want)
        );
        let (stored, _) = who.pull_all(&team, seq.0, seq.0, 1).await;
        assert_eq!(
            (stored[0].reply_to, &stored[0].mentions),
            (Some(quoted), &want)
        );
    }
    let Response::Sent {
        seq: again,
        duplicate,
        ..
    } = bob.ok(req).await
    else {
        panic!()
    };
    assert_eq!((again, duplicate), (seq, true));
    server.stop().await;
}

#[tokio::test]
async fn a_reply_with_a_bad_mention_or_a_bad_quote_is_refused_and_not_stored() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let _dave = server.user("dave").await;
    let g = create(&mut alice, "Team", &["bob"], None).await;
    let team = gconv(&g.group);
    let quoted = gsend(&mut alice, &g.group, "a1", "Friday?").await.0;
    let cases = [
        (
            reply(&team, "b1", quoted, &["dave"], false),
            ErrorCode::BadMention,
        ),
        (
            reply(&team, "b2", quoted, &[], true),
            ErrorCode::MentionAllNotAllowed,
        ),
        // The quote is checked first.
        (
            reply(&team, "b3", 99, &["alice"], false),
            ErrorCode::BadReply,
        ),
    ];
    for (req, code) in cases {
        assert_eq!(bob.err_code(req).await, code);
    }
    let ab = dm("alice", "bob");
    alice.ok(text_msg(&ab, "d1", "hi")).await;
    assert_eq!(
        bob.err_code(reply(&ab, "b4", 1, &["alice"], false)).await,
        ErrorCode::BadMention,
        "mentions are for groups, replies or not"
    );
    let (stored, _) = alice.pull_all(&team, 1, 20, 20).await;
    assert!(
        stored.iter().all(|m| m.sender != uid("bob")),
        "nothing refused was stored: {stored:?}"
    );
    // The owner may reply mentioning @all.
    let Response::Sent { .. } = alice.ok(reply(&team, "a2", quoted, &[], true)).await else {
        panic!()
    };
    server.stop().await;
}
