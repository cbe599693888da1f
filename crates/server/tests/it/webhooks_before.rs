//! Before-hooks (docs/webhooks.md): the moderation endpoint allows, rejects
//! (the sender gets `Rejected`, 4007, with the hook's reason) or rewrites
//! (the peer gets the rewritten text); a hook that times out is decided by
//! its `on_failure` policy, both ways; a slow hook holds up only the request
//! it decides, not other users' sends.

use crate::common;
use crate::rooms_support;
use crate::webhook_support;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tern_proto::{Content, ErrorCode, GroupId, JoinPolicy, Request, Response};
use tern_server::webhook_config::{FailurePolicy, WebhookConfig};
use webhook_support::{Receiver, SECRET};

const EVENTS: [&str; 4] = [
    "message.send",
    "friend.apply",
    "group.join",
    "profile.update",
];

/// A moderation hook: rejects texts with "spam", masks digit runs of 6 or
/// more (phone numbers) with `*`, allows the rest.
fn moderate(body: &Value) -> (Duration, Result<Value, u16>) {
    let text = body["data"]["text"].as_str().unwrap_or_default();
    if text.contains("spam") {
        return (
            Duration::ZERO,
            Ok(json!({ "action": "reject", "reason": "no spam here, please" })),
        );
    }
    let mut out = String::new();
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() {
            run.push(ch);
            continue;
        }
        if run.len() >= 6 {
            out.push_str(&"*".repeat(run.len()));
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(ch);
    }
    out.pop();
    if out != text {
        return (
            Duration::ZERO,
            Ok(json!({ "action": "rewrite", "text": out })),
        );
    }
    (Duration::ZERO, Ok(json!({ "action": "allow" })))
}

async fn server_with(rx: &Receiver, timeout_ms: u64, policy: FailurePolicy) -> TestServer {
    let url = rx.url();
    TestServer::start_with(move |c| {
        let mut h = WebhookConfig::new("mod", &url, SECRET, &EVENTS);
        h.timeout_ms = timeout_ms;
        h.on_failure = policy;
        c.webhooks = vec![h];
    })
    .await
}

fn text_of(m: &tern_proto::Message) -> &str {
    match &m.content {
        Content::Text { text } => text,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_moderation_hook_rejects_with_its_reason_and_rewrites_for_the_peer() {
    let rx = Receiver::start().await;
    rx.answer_with(moderate);
    let server = server_with(&rx, 2000, FailurePolicy::Allow).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");

    let err = alice.err(text_msg(&conv, "c1", "buy spam now")).await;
    assert_eq!(err.code, ErrorCode::Rejected);
    assert_eq!(err.code.as_u16(), 4007);
    assert_eq!(err.message, "no spam here, please");

    let ok = alice
        .ok(text_msg(&conv, "c2", "call me at 13812345678 tonight"))
        .await;
    assert!(matches!(ok, Response::Sent { .. }), "{ok:?}");
    let got = bob.messages(1).await;
    assert_eq!(text_of(&got[0]), "call me at *********** tonight");
    let (stored, _) = alice.pull_all(&conv, 1, 10, 10).await;
    assert_eq!(stored.len(), 1, "the rejected message was not stored");
    assert_eq!(text_of(&stored[0]), "call me at *********** tonight");

    let ok = alice.ok(text_msg(&conv, "c3", "hello 12345")).await;
    assert!(matches!(ok, Response::Sent { .. }), "{ok:?}");
    assert_eq!(text_of(&bob.messages(1).await[0]), "hello 12345");

    // What the hook saw: the sender, the conversation, the text.
    rx.with_log(|l| {
        assert_eq!(l.bad_signatures, 0);
        assert_eq!(l.before.len(), 3);
        assert_eq!(l.before[0]["event"], "message.send");
        assert_eq!(l.before[0]["data"]["sender"], "alice");
        assert_eq!(l.before[0]["data"]["conv"], conv.to_string());
    });
    server.stop().await;
}

/// A chat room is no way around the moderation hook: a member's room
/// message is rejected with the hook's reason (and not kept for joiners) or
/// rewritten before anyone receives it.
#[tokio::test]
async fn room_messages_pass_the_moderation_hook() {
    let rx = Receiver::start().await;
    rx.answer_with(moderate);
    let server = server_with(&rx, 2000, FailurePolicy::Allow).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = rooms_support::create_room(&mut alice, "live").await.room;
    rooms_support::join(&mut bob, &room).await;

    let err = alice.err(rooms_support::send_req(&room, "spam spam")).await;
    assert_eq!(err.code, ErrorCode::Rejected);
    assert_eq!(err.message, "no spam here, please");

    rooms_support::send(&mut alice, &room, "call 13812345678").await;
    let got = rooms_support::next_message(&mut bob).await;
    assert_eq!(rooms_support::texts(&[got]), ["call ***********"]);

    // A late joiner's recent history holds the rewritten text and not the rejected one.
    let mut carol = server.user("carol").await;
    let (_, recent) = rooms_support::join(&mut carol, &room).await;
    assert_eq!(rooms_support::texts(&recent), ["call ***********"]);

    rx.with_log(|l| {
        assert_eq!(l.bad_signatures, 0);
        assert_eq!(l.before.len(), 2);
        assert_eq!(l.before[1]["event"], "message.send");
        assert_eq!(l.before[1]["data"]["sender"], "alice");
        assert_eq!(l.before[1]["data"]["room"], room.to_string());
        assert_eq!(l.before[1]["data"]["text"], "call 13812345678");
    });
    server.stop().await;
}

#[tokio::test]
async fn friend_application_group_join_and_profile_change_pass_the_hook() {
    let rx = Receiver::start().await;
    rx.answer_with(moderate);
    let server = server_with(&rx, 2000, FailurePolicy::Allow).await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;

    let err = alice
        .err(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "spam?".into(),
        })
        .await;
    assert_eq!(
        (err.code, err.message.as_str()),
        (ErrorCode::Rejected, "no spam here, please")
    );
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "I am 555123456".into(),
        })
        .await;
    let Response::Applications { applications } = bob.ok(Request::ListReceivedApplications).await
    else {
        panic!()
    };
    assert_eq!(applications.len(), 1);
    assert_eq!(applications[0].greeting, "I am *********");

    let Response::Group { group } = bob
        .ok(Request::CreateGroup {
            name: "g".into(),
            members: vec![],
            join_policy: Some(JoinPolicy::Open),
        })
        .await
    else {
        panic!()
    };
    let gid: GroupId = group.group.clone();
    let err = alice
        .err(Request::JoinGroup {
            group: gid.clone(),
            message: "spam".into(),
        })
        .await;
    assert_eq!(err.code, ErrorCode::Rejected);
    alice
        .ok(Request::JoinGroup {
            group: gid,
            message: "hi".into(),
        })
        .await;

    let err = alice
        .err(Request::SetProfile {
            nickname: Some("spam king".into()),
            avatar: None,
            signature: None,
        })
        .await;
    assert_eq!(err.code, ErrorCode::Rejected);
    let r = alice
        .ok(Request::SetProfile {
            nickname: Some("Alice 13812345678".into()),
            avatar: None,
            signature: None,
        })
        .await;
    let Response::Profile { profile } = r else {
        panic!("{r:?}")
    };
    assert_eq!(profile.nickname, "Alice ***********");
    rx.with_log(|l| {
        let kinds: Vec<&str> = l
            .before
            .iter()
            .map(|b| b["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "friend.apply",
                "friend.apply",
                "group.join",
                "group.join",
                "profile.update",
                "profile.update"
            ]
        );
        assert_eq!(l.bad_signatures, 0);
    });
    server.stop().await;
}

/// A hook slower than its timeout: `allow` lets the message through after
/// the timeout, `reject` refuses it.
#[tokio::test]
async fn a_hook_that_times_out_is_decided_by_its_policy_both_ways() {
    for policy in [FailurePolicy::Allow, FailurePolicy::Reject] {
        let rx = Receiver::start().await;
        rx.answer_with(|_| {
            (
                Duration::from_secs(3),
                Ok(json!({ "action": "reject", "reason": "late" })),
            )
        });
        let server = server_with(&rx, 300, policy).await;
        let mut alice = server.user("alice").await;
        let mut bob = server.user("bob").await;
        let conv = dm("alice", "bob");
        let t = Instant::now();
        let res = alice.request(text_msg(&conv, "c1", "hello")).await;
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        match policy {
            FailurePolicy::Allow => {
                assert!(matches!(res, Ok(Response::Sent { .. })), "{res:?}");
                assert_eq!(text_of(&bob.messages(1).await[0]), "hello");
            }
            FailurePolicy::Reject => {
                let err = res.unwrap_err();
                assert_eq!(err.code, ErrorCode::Rejected);
                assert!(err.message.contains("did not answer"), "{}", err.message);
                let (stored, _) = alice.pull_all(&conv, 1, 10, 10).await;
                assert!(stored.is_empty());
            }
        }
        // An answer that is not JSON is a failure too.
        rx.answer_with(|_| (Duration::ZERO, Err(500)));
        let res = alice.request(text_msg(&conv, "c2", "again")).await;
        assert_eq!(res.is_ok(), policy == FailurePolicy::Allow, "{res:?}");
        server.stop().await;
    }
}

/// While one user's send waits on a slow hook (1.5 s), other users' sends
/// go through at their usual speed.
#[tokio::test]
async fn a_slow_hook_does_not_hold_up_other_users() {
    let rx = Receiver::start().await;
    rx.answer_with(|b| {
        let slow = b["data"]["sender"] == "slow";
        let d = if slow {
            Duration::from_millis(1500)
        } else {
            Duration::ZERO
        };
        (d, Ok(json!({ "action": "allow" })))
    });
    let server = server_with(&rx, 5000, FailurePolicy::Reject).await;
    let mut slow = server.user("slow").await;
    let mut carol = server.user("carol").await;
    let _dave = server.user("dave").await;
    let slow_conv = dm("slow", "dave");
    let t0 = Instant::now();
    let slow_send = tokio::spawn(async move {
        let r = slow
            .request(text_msg(&slow_conv, "s1", "take your time"))
            .await;
        (r, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let conv = dm("carol", "dave");
    let t = Instant::now();
    for i in 0..10 {
        let r = carol.ok(text_msg(&conv, &format!("c{i}"), "quick")).await;
        assert!(matches!(r, Response::Sent { .. }), "{r:?}");
    }
    let fast = t.elapsed();
    let (r, done) = slow_send.await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    let slow_took = done - t0;
    println!("webhooks: 10 sends of another user took {fast:?} while one send waited {slow_took:?} on its hook");
    assert!(slow_took >= Duration::from_millis(1500));
    assert!(fast < Duration::from_millis(1000), "{fast:?}");
    server.stop().await;
}

/// With two endpoints, the second is asked about the text as the first
/// rewrote it: in `data.text` and in the message's `data.content.text`.
#[tokio::test]
async fn the_next_endpoint_sees_the_rewritten_text_in_text_and_content() {
    let first = Receiver::start().await;
    first.answer_with(moderate);
    let second = Receiver::start().await;
    second.answer_with(|_| (Duration::ZERO, Ok(json!({ "action": "allow" }))));
    let (u1, u2) = (first.url(), second.url());
    let server = TestServer::start_with(move |c| {
        c.webhooks = vec![
            WebhookConfig::new("first", &u1, SECRET, &EVENTS),
            WebhookConfig::new("second", &u2, SECRET, &EVENTS),
        ];
    })
    .await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "c1", "call 13812345678")).await;
    second.with_log(|l| {
        let data = &l.before[0]["data"];
        assert_eq!(data["text"], "call ***********", "{data}");
        assert_eq!(data["content"]["text"], "call ***********", "{data}");
    });
    server.stop().await;
}
