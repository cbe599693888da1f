//! What the `message.send` before-hook is asked about (docs/webhooks.md):
//! only messages the sender may send. A message the server would refuse
//! anyway (a peer who blocked the sender, a group or room they are not in,
//! an unknown user or room, a member muted there) is refused without asking — before, a
//! non-member could make the server send any text "to" any group to the
//! operator's moderation service, and wait on it. A resend of a stored
//! message is answered with the stored copy without asking, whatever the hook
//! would say now (as the docs said; a hook that had turned to reject made
//! the resend fail although the message was stored).

use crate::common;
use crate::groups_support;
use crate::rooms_support;
use crate::webhook_support;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};
use tern_proto::{ErrorCode, Request, Response, RoomId};
use tern_server::webhook_config::WebhookConfig;
use webhook_support::{Receiver, SECRET};

fn allow(_: &Value) -> (Duration, Result<Value, u16>) {
    (Duration::ZERO, Ok(json!({ "action": "allow" })))
}

async fn server_with(rx: &Receiver) -> TestServer {
    let url = rx.url();
    TestServer::start_with(move |c| {
        c.webhooks = vec![WebhookConfig::new("mod", &url, SECRET, &["message.send"])];
    })
    .await
}

fn asked(rx: &Receiver) -> usize {
    rx.with_log(|l| l.before.len())
}

#[tokio::test]
async fn the_hook_is_asked_only_about_messages_the_sender_may_send() {
    let rx = Receiver::start().await;
    rx.answer_with(allow);
    let server = server_with(&rx).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut mallory = server.user("mallory").await;
    bob.ok(Request::Block {
        user: uid("mallory"),
    })
    .await;
    let g = groups_support::create(&mut alice, "g", &["bob"], None)
        .await
        .group;
    let room = rooms_support::create_room(&mut alice, "live").await.room;

    let refused = [
        (
            text_msg(&dm("mallory", "bob"), "m1", "hi"),
            ErrorCode::Blocked,
        ),
        (
            text_msg(&dm("mallory", "nobody"), "m2", "hi"),
            ErrorCode::NotFound,
        ),
        (
            text_msg(&groups_support::gconv(&g), "m3", "hi"),
            ErrorCode::Forbidden,
        ),
        (rooms_support::send_req(&room, "hi"), ErrorCode::NotInRoom),
        (
            rooms_support::send_req(&RoomId::new("rnothere").unwrap(), "hi"),
            ErrorCode::NotFound,
        ),
    ];
    for (req, code) in refused {
        let what = format!("{req:?}");
        assert_eq!(mallory.err_code(req).await, code, "{what}");
    }
    // A member muted in the group, and in the room.
    rooms_support::join(&mut bob, &room).await;
    alice
        .ok(Request::MuteMember {
            group: g.clone(),
            user: uid("bob"),
            minutes: 10,
        })
        .await;
    alice
        .ok(Request::RoomMute {
            room: room.clone(),
            user: uid("bob"),
            minutes: 10,
        })
        .await;
    let gsend = text_msg(&groups_support::gconv(&g), "b1", "hi");
    assert_eq!(bob.err_code(gsend).await, ErrorCode::Muted);
    let rsend = rooms_support::send_req(&room, "hi");
    assert_eq!(bob.err_code(rsend).await, ErrorCode::Muted);
    assert_eq!(asked(&rx), 0, "the hook was asked about refused messages");

    // What may be sent is still asked about.
    alice.ok(text_msg(&dm("alice", "bob"), "a1", "hi")).await;
    alice
        .ok(text_msg(&groups_support::gconv(&g), "a2", "hi all"))
        .await;
    rooms_support::send(&mut alice, &room, "hi room").await;
    assert_eq!(asked(&rx), 3);
    server.stop().await;
}

#[tokio::test]
async fn a_resend_answers_the_stored_copy_whatever_the_hook_says_now() {
    let rx = Receiver::start().await;
    rx.answer_with(allow);
    let server = server_with(&rx).await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    let first = alice.ok(text_msg(&conv, "c1", "hello")).await;
    let Response::Sent { seq, .. } = first else {
        panic!("{first:?}")
    };

    rx.answer_with(|_| {
        let no = json!({ "action": "reject", "reason": "closed for today" });
        (Duration::ZERO, Ok(no))
    });
    match alice.ok(text_msg(&conv, "c1", "hello")).await {
        Response::Sent {
            seq: again,
            duplicate,
            ..
        } => assert_eq!((again, duplicate), (seq, true)),
        other => panic!("{other:?}"),
    }
    let err = alice.err(text_msg(&conv, "c2", "hello again")).await;
    assert_eq!(err.code, ErrorCode::Rejected);
    assert_eq!(err.message, "closed for today");
    assert_eq!(asked(&rx), 2, "the resend was not asked about");
    server.stop().await;
}

/// The `friend.apply` hook likewise sees only applications that may be made.
#[tokio::test]
async fn the_friend_apply_hook_is_asked_only_about_possible_applications() {
    let rx = Receiver::start().await;
    rx.answer_with(allow);
    let url = rx.url();
    let server = TestServer::start_with(move |c| {
        c.webhooks = vec![WebhookConfig::new("mod", &url, SECRET, &["friend.apply"])];
    })
    .await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut mallory = server.user("mallory").await;
    let mut carol = server.user("carol").await;
    alice.befriend(&mut bob).await; // asked once
    bob.ok(Request::Block {
        user: uid("mallory"),
    })
    .await;
    let apply = |to: &str| Request::ApplyFriend {
        to: uid(to),
        greeting: "hi".into(),
    };
    assert_eq!(mallory.err_code(apply("bob")).await, ErrorCode::Blocked);
    assert_eq!(
        mallory.err_code(apply("mallory")).await,
        ErrorCode::SelfTarget
    );
    assert_eq!(mallory.err_code(apply("nobody")).await, ErrorCode::NotFound);
    assert_eq!(
        alice.err_code(apply("bob")).await,
        ErrorCode::AlreadyFriends
    );
    assert_eq!(
        asked(&rx),
        1,
        "the hook was asked about refused applications"
    );
    carol.ok(apply("bob")).await;
    assert_eq!(asked(&rx), 2);
    server.stop().await;
}
