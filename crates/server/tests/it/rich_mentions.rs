//! @mentions (issue 17): a group message carries whom it mentions; the server
//! checks the list in the send's transaction (members only: BadMention; @all
//! by the owner and admins only: MentionAllNotAllowed; groups only) after the
//! ordinary send rules, and the list travels with the message (push, pull,
//! dedup).

use crate::common;
use crate::groups_support;

use common::*;
use groups_support::{create, gconv, set_role};
use tern_proto::{
    ClientMsgId, Content, ConversationId, ErrorCode, GroupRole, Mentions, Request, Response,
};

fn mention(conv: &ConversationId, cid: &str, users: &[&str], all: bool) -> Request {
    Request::Send {
        conv: conv.clone(),
        client_id: ClientMsgId::new(cid).unwrap(),
        content: Content::Text {
            text: format!("hey {}", users.join(" @")),
        },
        ext: None,
        after: None,
        reply_to: None,
        mentions: Some(Mentions {
            users: users.iter().map(|u| uid(u)).collect(),
            all,
        }),
    }
}

#[tokio::test]
async fn mentions_travel_with_the_message_live_on_catch_up_and_on_a_resend() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let team = gconv(&g.group);
    // Bob twice: the list is deduplicated.
    let req = mention(&team, "a1", &["bob", "bob"], false);
    let Response::Sent { seq, .. } = alice.ok(req.clone()).await else {
        panic!()
    };
    let want = Some(Mentions {
        users: vec![uid("bob")],
        all: false,
    });
    for who in [&mut bob, &mut carol] {
        let pushed = who.messages(1).await;
        assert_eq!(pushed[0].mentions, want);
        let (stored, _) = who.pull_all(&team, seq.0, seq.0, 1).await;
        assert_eq!(stored[0].mentions, want);
    }
    let Response::Sent {
        seq: again,
        duplicate,
        ..
    } = alice.ok(req).await
    else {
        panic!()
    };
    assert_eq!((again, duplicate), (seq, true));
    // No mention, no field; an empty list is no mention.
    alice.ok(text_msg(&team, "a2", "plain")).await;
    alice.ok(mention(&team, "a3", &[], false)).await;
    let (stored, _) = bob.pull_all(&team, seq.0 + 1, seq.0 + 2, 5).await;
    assert!(stored.iter().all(|m| m.mentions.is_none()));
    server.stop().await;
}

#[tokio::test]
async fn mentioning_a_non_member_or_in_a_direct_chat_is_bad_mention() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let _dave = server.user("dave").await;
    let g = create(&mut alice, "Team", &["bob"], None).await;
    let team = gconv(&g.group);
    let cases = [
        mention(&team, "x1", &["bob", "dave"], false),
        mention(&team, "x2", &["nobody"], false),
        mention(&dm("alice", "bob"), "x3", &["bob"], false),
    ];
    for req in cases {
        assert_eq!(alice.err_code(req).await, ErrorCode::BadMention);
    }
    let names: Vec<String> = (0..51).map(|i| format!("u{i}")).collect();
    let many: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(
        alice.err_code(mention(&team, "x4", &many, false)).await,
        ErrorCode::BadMention
    );
    let (stored, _) = alice.pull_all(&team, 1, 20, 20).await;
    assert!(
        stored.iter().all(|m| m.mentions.is_none()),
        "nothing refused was stored"
    );
    // A member who left can no longer be mentioned.
    alice
        .ok(Request::KickMember {
            group: g.group.clone(),
            user: uid("bob"),
        })
        .await;
    assert_eq!(
        alice.err_code(mention(&team, "x5", &["bob"], false)).await,
        ErrorCode::BadMention
    );
    server.stop().await;
}

#[tokio::test]
async fn at_all_is_for_the_owner_and_admins_and_the_send_rules_come_first() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let team = gconv(&g.group);
    assert_eq!(
        bob.err_code(mention(&team, "b1", &[], true)).await,
        ErrorCode::MentionAllNotAllowed
    );
    assert!(matches!(
        alice.ok(mention(&team, "a1", &[], true)).await,
        Response::Sent { .. }
    ));
    let pushed = carol.messages(1).await;
    assert!(pushed[0].mentions.as_ref().unwrap().all);
    set_role(&mut alice, &g.group, "bob", GroupRole::Admin).await;
    assert!(matches!(
        bob.ok(mention(&team, "b2", &["carol"], true)).await,
        Response::Sent { .. }
    ));
    // A plain member may mention members by id.
    assert!(matches!(
        carol
            .ok(mention(&team, "c1", &["alice", "bob"], false))
            .await,
        Response::Sent { .. }
    ));
    // Muted: the mute answers first; an outsider gets the membership answer.
    alice
        .ok(Request::MuteMember {
            group: g.group.clone(),
            user: uid("carol"),
            minutes: 5,
        })
        .await;
    assert_eq!(
        carol
            .err_code(mention(&team, "c2", &["alice"], false))
            .await,
        ErrorCode::Muted
    );
    let mut dave = server.user("dave").await;
    assert_eq!(
        dave.err_code(mention(&team, "d1", &["alice"], true)).await,
        ErrorCode::Forbidden
    );
    server.stop().await;
}
