//! Reactions (issue 17): any emoji, per member, idempotent add/remove, pushed
//! to every member's devices with counts and who; capped per message,
//! rate-limited per user; the reaction log catches offline devices up; every
//! authorisation rule answers its own code.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::*;
use groups_support::{create, gconv, gsend, users};
use tern_proto::{ConversationId, ErrorCode, Push, Reaction, Request, Response, Seq};

fn react(conv: &ConversationId, seq: u64, emoji: &str, on: bool) -> Request {
    Request::React {
        conv: conv.clone(),
        seq: Seq(seq),
        emoji: emoji.into(),
        on,
    }
}

fn summary(r: &[Reaction]) -> Vec<(String, u32, Vec<String>)> {
    r.iter()
        .map(|r| {
            let users = r.users.iter().map(|u| u.to_string()).collect();
            (r.emoji.clone(), r.count, users)
        })
        .collect()
}

async fn reactions_of(c: &mut Client, req: Request) -> Vec<(String, u32, Vec<String>)> {
    match c.ok(req).await {
        Response::MessageReactions { reactions, .. } => summary(&reactions),
        other => panic!("{other:?}"),
    }
}

async fn pushed(c: &mut Client) -> (Seq, Vec<(String, u32, Vec<String>)>) {
    let p = c.push_where(|p| matches!(p, Push::Reactions { .. })).await;
    let Push::Reactions { seq, reactions, .. } = p else {
        unreachable!()
    };
    (seq, summary(&reactions))
}

fn s(e: &str, n: u32, who: &[&str]) -> (String, u32, Vec<String>) {
    (e.into(), n, who.iter().map(|w| w.to_string()).collect())
}

#[tokio::test]
async fn reactions_count_who_reacted_are_pushed_and_toggle_idempotently() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Team", &["bob", "carol"], None).await;
    let conv = gconv(&g.group);
    let seq = gsend(&mut alice, &g.group, "a1", "ship it?").await.0;

    assert_eq!(
        reactions_of(&mut bob, react(&conv, seq, "👍", true)).await,
        vec![s("👍", 1, &["bob"])]
    );
    for c in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(pushed(c).await, (Seq(seq), vec![s("👍", 1, &["bob"])]));
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    reactions_of(&mut carol, react(&conv, seq, "👍", true)).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let now = reactions_of(&mut carol, react(&conv, seq, "🎉", true)).await;
    assert_eq!(
        now,
        vec![s("👍", 2, &["bob", "carol"]), s("🎉", 1, &["carol"])]
    );
    // Adding again, or removing what is not there: nothing changes, nothing is pushed.
    let _ = alice.drain_pushes(Duration::from_millis(300)).await;
    assert_eq!(
        reactions_of(&mut carol, react(&conv, seq, "👍", true)).await,
        now
    );
    assert_eq!(
        reactions_of(&mut alice, react(&conv, seq, "🎉", false)).await,
        now
    );
    let quiet = alice.drain_pushes(Duration::from_millis(300)).await;
    assert!(
        !quiet.iter().any(|p| matches!(p, Push::Reactions { .. })),
        "{quiet:?}"
    );
    // Removing mine.
    assert_eq!(
        reactions_of(&mut bob, react(&conv, seq, "👍", false)).await,
        vec![s("👍", 1, &["carol"]), s("🎉", 1, &["carol"])]
    );
    assert_eq!(pushed(&mut alice).await.1[0], s("👍", 1, &["carol"]));
    server.stop().await;
}

#[tokio::test]
async fn react_refuses_outsiders_blocked_muted_bad_emoji_missing_and_recalled() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let dm_ab = dm("alice", "bob");
    alice.ok(text_msg(&dm_ab, "a1", "hi")).await;
    assert_eq!(
        carol.err_code(react(&dm_ab, 1, "👍", true)).await,
        ErrorCode::Forbidden
    );
    for bad in ["", "lol", "👍 x", "1"] {
        assert_eq!(
            bob.err_code(react(&dm_ab, 1, bad, true)).await,
            ErrorCode::InvalidArgument,
            "{bad:?}"
        );
    }
    assert_eq!(
        bob.err_code(react(&dm_ab, 9, "👍", true)).await,
        ErrorCode::NotFound
    );
    alice.ok(Request::Block { user: uid("bob") }).await;
    assert_eq!(
        bob.err_code(react(&dm_ab, 1, "👍", true)).await,
        ErrorCode::Blocked
    );
    alice.ok(text_msg(&dm_ab, "a2", "oops")).await;
    alice
        .ok(Request::Recall {
            conv: dm_ab.clone(),
            seq: Seq(2),
        })
        .await;
    assert_eq!(
        alice.err_code(react(&dm_ab, 2, "👍", true)).await,
        ErrorCode::NotEditable
    );

    let g = create(&mut alice, "Team", &["bob"], None).await;
    let conv = gconv(&g.group);
    let before = gsend(&mut alice, &g.group, "g1", "before carol").await.0;
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("carol")],
        })
        .await;
    let after = gsend(&mut alice, &g.group, "g2", "after carol").await.0;
    assert_eq!(
        carol.err_code(react(&conv, before, "👍", true)).await,
        ErrorCode::NotFound,
        "hidden history cannot be reacted to"
    );
    reactions_of(&mut carol, react(&conv, after, "👍", true)).await;
    assert_eq!(
        dave.err_code(react(&conv, after, "👍", true)).await,
        ErrorCode::Forbidden
    );
    alice
        .ok(Request::MuteMember {
            group: g.group.clone(),
            user: uid("carol"),
            minutes: 5,
        })
        .await;
    assert_eq!(
        carol.err_code(react(&conv, after, "🎉", true)).await,
        ErrorCode::Muted
    );
    server.stop().await;
}

#[tokio::test]
async fn distinct_emoji_per_message_are_capped_and_reacting_is_rate_limited() {
    let server = TestServer::start_with(|c| {
        c.max_reactions_per_message = 3;
        c.reactions_per_minute = 6;
    })
    .await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "a1", "vote")).await;
    for e in ["😀", "😂", "😍"] {
        reactions_of(&mut alice, react(&conv, 1, e, true)).await;
    }
    assert_eq!(
        bob.err_code(react(&conv, 1, "🤔", true)).await,
        ErrorCode::TooManyReactions
    );
    // An emoji already there is not a new one.
    assert_eq!(
        reactions_of(&mut bob, react(&conv, 1, "😀", true)).await[0].1,
        2
    );
    // Alice has used 3 of her 6; the 7th within the minute is refused.
    for _ in 0..3 {
        alice.ok(react(&conv, 1, "😀", false)).await;
    }
    assert_eq!(
        alice.err_code(react(&conv, 1, "😀", true)).await,
        ErrorCode::RateLimited
    );
    // Bob's budget is his own.
    bob.ok(react(&conv, 1, "😀", false)).await;
    server.stop().await;
}

/// A device offline during reactions learns them from `conversations`
/// (`reaction_version`) and `reactions`, which pages the log; a message whose
/// reactions were all removed appears with an empty list.
#[tokio::test]
async fn reaction_log_pages_the_current_reactions_for_offline_devices() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    for i in 1..=3 {
        alice.ok(text_msg(&conv, &format!("m{i}"), "x")).await;
    }
    bob.ok(react(&conv, 1, "👍", true)).await;
    bob.ok(react(&conv, 2, "❤️", true)).await;
    bob.ok(react(&conv, 1, "👍", false)).await;
    alice.ok(react(&conv, 3, "🎉", true)).await;
    let Response::Conversations { conversations } = alice.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations[0].reaction_version, 4);
    let page = |since, limit| Request::Reactions {
        conv: conv.clone(),
        since,
        limit: Some(limit),
    };
    let Response::ReactionLog { latest, messages } = alice.ok(page(0, 2)).await else {
        panic!()
    };
    assert_eq!(latest, 4);
    let got: Vec<_> = messages
        .iter()
        .map(|m| (m.version, m.seq.0, summary(&m.reactions)))
        .collect();
    assert_eq!(
        got,
        vec![(2, 2, vec![s("❤️", 1, &["bob"])]), (3, 1, vec![]),]
    );
    let Response::ReactionLog { messages, .. } = alice.ok(page(3, 10)).await else {
        panic!()
    };
    assert_eq!(messages.len(), 1);
    assert_eq!(
        summary(&messages[0].reactions),
        vec![s("🎉", 1, &["alice"])]
    );
    let mut carol = server.user("carol").await;
    assert_eq!(carol.err_code(page(0, 10)).await, ErrorCode::Forbidden);
    server.stop().await;
}
