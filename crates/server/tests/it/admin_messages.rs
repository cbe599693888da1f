//! Messages sent through the admin API: as a user (stored, seq'd, deduplicated
//! and pushed like a WebSocket `send`) and as system notices from `system`.

use crate::admin_support;
use crate::common;

use std::time::Duration;

use admin_support::Admin;
use common::{dm, uid};
use serde_json::json;
use tern_proto::{Content, Platform, Push, Request, Response, Seq};

#[tokio::test]
async fn a_message_sent_as_a_user_reaches_every_device_once_with_the_next_seq() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice
        .ok(common::text_msg(
            &dm("alice", "bob"),
            "ws-1",
            "first, over the WebSocket",
        ))
        .await;
    bob.messages(1).await;
    alice.drain_pushes(Duration::ZERO).await;

    let body = json!({
        "from": "alice",
        "conv": "d:alice:bob",
        "content": { "type": "text", "text": "second, from the admin API" },
        "client_id": "admin-2",
        "ext": { "campaign": 7 },
    });
    let a = admin.post("/admin/messages", body.clone()).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        (a.body["seq"].as_u64(), a.body["duplicate"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(a.body["client_id"], "admin-2");
    for device in [&mut bob, &mut alice] {
        let m = device.messages(1).await.remove(0);
        assert_eq!(
            (m.seq, m.sender.as_str(), m.client_id.as_str()),
            (Seq(2), "alice", "admin-2")
        );
        assert_eq!(
            m.content,
            Content::Text {
                text: "second, from the admin API".into()
            }
        );
        assert_eq!(m.ext, Some(json!({ "campaign": 7 })));
    }

    // A resend with the same client id is the same message, not a new one.
    let again = admin.post("/admin/messages", body).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["duplicate"], true);
    assert_eq!(again.body["id"], a.body["id"]);
    let later = bob.drain_pushes(Duration::from_millis(200)).await;
    assert!(
        !later.iter().any(|p| matches!(p, Push::Message { .. })),
        "{later:?}"
    );
    let Response::Messages { messages } = bob
        .ok(Request::History {
            conv: dm("alice", "bob"),
            before: None,
            limit: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(messages.len(), 2);

    // Without a client id a fresh one is made, so each call is a new message.
    let fresh = admin
        .post("/admin/messages", json!({ "from": "bob", "conv": "d:alice:bob", "content": { "type": "text", "text": "x" } }))
        .await;
    assert_eq!(fresh.body["seq"], 3, "{fresh:?}");
    // The same client id in another conversation is a conflict, not a silent duplicate.
    let carol = server.user("carol").await;
    drop(carol);
    let clash = admin
        .post("/admin/messages", json!({ "from": "alice", "conv": "d:alice:carol", "client_id": "admin-2", "content": { "type": "text", "text": "y" } }))
        .await;
    assert_eq!(clash.status, 409, "{clash:?}");
    server.stop().await;
}

#[tokio::test]
async fn sending_as_a_user_obeys_the_same_rules_as_the_websocket() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let _alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    bob.ok(Request::Block { user: uid("alice") }).await;
    let text = json!({ "type": "text", "text": "hi" });
    let cases = [
        (
            json!({ "from": "alice", "conv": "d:alice:bob", "content": text }),
            403,
            "bob has blocked you",
        ),
        (
            json!({ "from": "alice", "conv": "d:bob:carol", "content": text }),
            403,
            "you are not a member of d:bob:carol",
        ),
        (
            json!({ "from": "nobody", "conv": "d:bob:nobody", "content": text }),
            404,
            "no user `nobody`",
        ),
        (
            json!({ "from": "alice", "conv": "d:alice:nobody", "content": text }),
            404,
            "no user `nobody`",
        ),
        (
            json!({ "from": "alice", "conv": "x:1", "content": text }),
            400,
            "invalid body: field `conv`: invalid conversation id",
        ),
        (
            json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "text", "text": "" } }),
            400,
            "text must not be empty",
        ),
        (
            json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "gif" } }),
            400,
            "invalid body: field `content.type`: unknown variant `gif`",
        ),
        (
            json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "system", "text": "fake" } }),
            403,
            "only the server sends system notices",
        ),
        (
            json!({ "from": "system", "conv": "d:alice:system", "content": text }),
            400,
            "`from` may not be `system`",
        ),
        (
            json!({ "from": "alice", "conv": "d:alice:bob", "content": text, "ext": [1] }),
            400,
            "`ext` must be a JSON object",
        ),
        (
            json!({ "conv": "d:alice:bob", "content": text }),
            400,
            "invalid body: missing field `from`",
        ),
    ];
    for (body, status, want) in cases {
        let a = admin.post("/admin/messages", body.clone()).await;
        assert_eq!(a.status, status, "{body}: {a:?}");
        assert!(a.message().starts_with(want), "{body}: {:?}", a.message());
    }
    server.stop().await;
}

#[tokio::test]
async fn a_system_notice_arrives_from_system_as_system_content() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut laptop = server.device("alice", "laptop", Platform::Desktop).await;

    let a = admin
        .post(
            "/admin/notices",
            json!({ "to": "alice", "text": "Maintenance tonight at 22:00" }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        (a.body["conv"].as_str(), a.body["seq"].as_u64()),
        (Some("d:alice:system"), Some(1))
    );
    for device in [&mut alice, &mut laptop] {
        let m = device.messages(1).await.remove(0);
        assert_eq!(m.sender, uid("system"));
        assert_eq!(m.conv, dm("alice", "system"));
        assert_eq!(
            m.content,
            Content::System {
                text: "Maintenance tonight at 22:00".into()
            }
        );
    }
    // It is an ordinary stored message: listed, counted unread, in history.
    let Response::Conversations { conversations } = alice.ok(Request::Conversations).await else {
        panic!()
    };
    assert_eq!(conversations.len(), 1);
    assert_eq!(
        (conversations[0].conv.clone(), conversations[0].unread),
        (dm("alice", "system"), 1)
    );
    // The sender shows up as a profile named "System".
    let Response::Profiles { profiles } = alice
        .ok(Request::GetProfiles {
            users: vec![uid("system")],
        })
        .await
    else {
        panic!()
    };
    assert_eq!(profiles[0].nickname, "System");
    // ... but user search never lists it.
    let Response::Profiles { profiles } = alice
        .ok(Request::SearchUsers {
            query: "sys".into(),
        })
        .await
    else {
        panic!()
    };
    assert!(profiles.is_empty(), "{profiles:?}");

    // With require_friendship on, notices still arrive; users cannot forge one.
    let second = admin
        .post(
            "/admin/notices",
            json!({ "to": "alice", "text": "done", "client_id": "n-2" }),
        )
        .await;
    assert_eq!(second.body["seq"], 2);
    for (body, status, want) in [
        (
            json!({ "to": "nobody", "text": "x" }),
            404,
            "no user `nobody`",
        ),
        (
            json!({ "to": "alice", "text": "  " }),
            400,
            "`text` must not be empty",
        ),
        (
            json!({ "to": "alice" }),
            400,
            "invalid body: missing field `text`",
        ),
        (
            json!({ "to": "system", "text": "x" }),
            400,
            "`to` may not be `system`",
        ),
        (
            json!({ "to": "alice", "text": "x".repeat(8001) }),
            413,
            "`text` has 8001 characters",
        ),
    ] {
        let a = admin.post("/admin/notices", body.clone()).await;
        assert_eq!(a.status, status, "{body}: {a:?}");
        assert!(a.message().starts_with(want), "{body}: {:?}", a.message());
    }
    server.stop().await;
}

#[tokio::test]
async fn notices_do_not_need_a_friendship_where_messages_do() {
    let server = admin_support::start_with(|c| c.require_friendship = true).await;
    let admin = Admin::new(&server);
    let _alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let as_user = admin
        .post("/admin/messages", json!({ "from": "alice", "conv": "d:alice:bob", "content": { "type": "text", "text": "hi" } }))
        .await;
    assert_eq!(as_user.status, 403, "{as_user:?}");
    assert_eq!(as_user.code(), 3003);
    let notice = admin
        .post("/admin/notices", json!({ "to": "bob", "text": "welcome" }))
        .await;
    assert_eq!(notice.status, 200, "{notice:?}");
    assert_eq!(bob.messages(1).await[0].sender, uid("system"));
    server.stop().await;
}

/// Sending as someone who is not in a `d:` conversation answers what the
/// WebSocket `send` answers: 403 with code 4000 `Forbidden` (issue 24, item 2).
#[tokio::test]
async fn a_sender_outside_a_direct_conversation_gets_forbidden_like_the_websocket() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    let _carol = server.user("carol").await;
    let ws = alice
        .err(common::text_msg(&dm("bob", "carol"), "ws-x", "hi"))
        .await;
    assert_eq!(ws.code, tern_proto::ErrorCode::Forbidden);
    let a = admin
        .post(
            "/admin/messages",
            json!({ "from": "alice", "conv": "d:bob:carol", "client_id": "adm-x", "content": { "type": "text", "text": "hi" } }),
        )
        .await;
    assert_eq!((a.status, a.code()), (403, 4000), "{a:?}");
    assert_eq!(
        a.message(),
        ws.message,
        "the same path gives the same answer"
    );
    server.stop().await;
}

/// The reserved `system` account only sends: a message, a typing indicator or
/// a friend application to it is refused with `SystemAccount` (4005), over the
/// WebSocket and through the admin API, while notices from it still arrive.
#[tokio::test]
async fn nobody_can_message_the_system_account() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let notice = admin
        .post("/admin/notices", json!({ "to": "alice", "text": "hello" }))
        .await;
    assert_eq!(notice.status, 200, "{notice:?}");
    alice.messages(1).await;

    let conv = dm("alice", "system");
    let reply = alice
        .err(common::text_msg(&conv, "to-system", "hi system"))
        .await;
    assert_eq!(reply.code, tern_proto::ErrorCode::SystemAccount, "{reply}");
    let typing = alice.err(Request::Typing { conv: conv.clone() }).await;
    assert_eq!(
        typing.code,
        tern_proto::ErrorCode::SystemAccount,
        "{typing}"
    );
    let apply = alice
        .err(Request::ApplyFriend {
            to: uid("system"),
            greeting: String::new(),
        })
        .await;
    assert_eq!(apply.code, tern_proto::ErrorCode::SystemAccount, "{apply}");
    let a = admin
        .post(
            "/admin/messages",
            json!({ "from": "alice", "conv": "d:alice:system", "content": { "type": "text", "text": "hi" } }),
        )
        .await;
    assert_eq!((a.status, a.code()), (403, 4005), "{a:?}");

    // Nothing was stored: the conversation holds the notice only.
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
    assert_eq!(messages.len(), 1, "{messages:?}");
    server.stop().await;
}
