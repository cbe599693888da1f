//! The admin API's conversation routes (issue 19): a conversation's history
//! by time range, paged with a cursor, and recalling any message, however
//! old, with members told live.

use crate::admin_support;
use crate::common;

use std::time::Duration;

use admin_support::{Admin, Answer};
use common::*;
use serde_json::json;
use tern_proto::{Push, Response, Seq};

fn is(a: &Answer, status: u16, code: u64) {
    assert_eq!((a.status, a.code()), (status, code), "{a:?}");
}

#[tokio::test]
async fn both_routes_need_the_secret() {
    let server = admin_support::start().await;
    let anon = Admin::without_secret(&server);
    is(
        &anon.get("/admin/conversations/d:a:b/messages").await,
        401,
        2000,
    );
    is(
        &anon.delete("/admin/conversations/d:a:b/messages/1").await,
        401,
        2000,
    );
    server.stop().await;
}

#[tokio::test]
async fn history_by_time_range_is_paged_with_a_cursor() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    server.user("bob").await;
    let conv = dm("alice", "bob");
    let mut times = Vec::new();
    for i in 1..=6 {
        let r = alice
            .ok(text_msg(&conv, &format!("c{i}"), &format!("m{i}")))
            .await;
        let Response::Sent { sent_at, .. } = r else {
            panic!("{r:?}")
        };
        times.push(sent_at);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let base = "/admin/conversations/d:alice:bob/messages";
    let a = admin.get(base).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["messages"].as_array().unwrap().len(), 6);
    assert!(a.body["next"].is_null());

    // Messages 2..=5 by time, two a page.
    let (from, to) = (times[1], times[4]);
    let mut seen = Vec::new();
    let mut after = 0;
    let mut pages = 0;
    loop {
        let a = admin
            .get(&format!("{base}?from={from}&to={to}&limit=2&after={after}"))
            .await;
        assert_eq!(a.status, 200, "{a:?}");
        pages += 1;
        for m in a.body["messages"].as_array().unwrap() {
            seen.push(m["content"]["text"].as_str().unwrap().to_string());
        }
        match a.body["next"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(seen, ["m2", "m3", "m4", "m5"]);
    assert_eq!(pages, 2, "a full last page has no `next`");

    for bad in [
        format!("{base}?from=5&to=4"),
        format!("{base}?limit=0"),
        format!("{base}?from=-1"),
        format!("{base}?after=x"),
        format!("{base}?since=1"),
        "/admin/conversations/x:y/messages".to_string(),
    ] {
        is(&admin.get(&bad).await, 400, 1002);
    }
    is(
        &admin
            .get("/admin/conversations/d:alice:carol/messages")
            .await,
        404,
        3000,
    );
    is(
        &admin.get("/admin/conversations/g:nosuch/messages").await,
        404,
        3000,
    );
    server.stop().await;
}

#[tokio::test]
async fn any_message_is_recalled_past_the_window_and_members_hear_it() {
    let server = admin_support::start_with(|c| c.recall_window = Duration::from_millis(1)).await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let conv = dm("alice", "bob");
    alice.ok(text_msg(&conv, "c1", "oops")).await;
    bob.messages(1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;

    let a = admin
        .delete("/admin/conversations/d:alice:bob/messages/1")
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        a.body,
        json!({ "conv": "d:alice:bob", "seq": 1, "recalled": true, "by": "alice" })
    );
    let p = bob.push_where(|p| matches!(p, Push::Recalled { .. })).await;
    let Push::Recalled { seq, .. } = p else {
        unreachable!()
    };
    assert_eq!(seq, Seq(1));
    // Again: a no-op, still 200.
    assert_eq!(
        admin
            .delete("/admin/conversations/d:alice:bob/messages/1")
            .await
            .status,
        200
    );

    // In a group the owner recalls a member's message.
    let g = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Team", "members": ["bob"] }),
        )
        .await
        .body["group"]
        .as_str()
        .unwrap()
        .to_string();
    let gconv = tern_proto::ConversationId::parse(&format!("g:{g}")).unwrap();
    bob.ok(text_msg(&gconv, "g1", "group oops")).await;
    let a = admin
        .delete(&format!("/admin/conversations/g:{g}/messages/1"))
        .await;
    assert_eq!(a.body["by"], "alice", "{a:?}");
    alice
        .push_where(|p| matches!(p, Push::Recalled { .. }))
        .await;
    let h = admin
        .get(&format!("/admin/conversations/g:{g}/messages"))
        .await;
    assert_eq!(
        h.body["messages"][0]["content"]["type"], "recalled",
        "{h:?}"
    );

    is(
        &admin
            .delete("/admin/conversations/d:alice:bob/messages/9")
            .await,
        404,
        3000,
    );
    is(
        &admin
            .delete("/admin/conversations/d:alice:bob/messages/0")
            .await,
        400,
        1002,
    );
    is(
        &admin
            .delete("/admin/conversations/d:alice:bob/messages/x")
            .await,
        400,
        1002,
    );
    is(
        &admin.delete("/admin/conversations/bad/messages/1").await,
        400,
        1002,
    );
    server.stop().await;
}
