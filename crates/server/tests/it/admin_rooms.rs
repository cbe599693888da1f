//! The admin API's chat-room routes (issue 19): every route's 401; create
//! (with the room's own number of kept messages), list with member counts,
//! get, delete, and messages as a member or a system notice — each with its
//! 400/404, and what members connected over the real WebSocket hear of it
//! (members, kicks, bans, mutes, admins: admin_room_members.rs). Runs on
//! SQLite, on PostgreSQL (`scripts/test-postgres.sh -p tern-server --test
//! admin_rooms`) and across two nodes (`scripts/test-cluster.sh`).

use crate::admin_rooms_support;
use crate::admin_support;
use crate::rooms_support;

use std::time::Duration;

use admin_rooms_support::*;
use admin_support::Admin;
use reqwest::Method;
use rooms_support::*;
use serde_json::json;
use tern_proto::{Content, ErrorCode, RoomLeftReason};

#[tokio::test]
async fn every_room_route_needs_the_secret() {
    let server = admin_support::start().await;
    let anon = Admin::without_secret(&server);
    let r = "/admin/rooms/r1";
    let m = format!("{r}/members/bob");
    let body = json!({});
    let calls: Vec<(Method, String)> = vec![
        (Method::POST, "/admin/rooms".into()),
        (Method::GET, "/admin/rooms".into()),
        (Method::GET, r.into()),
        (Method::DELETE, r.into()),
        (Method::POST, format!("{r}/messages")),
        (Method::POST, format!("{r}/notices")),
        (Method::GET, format!("{r}/members")),
        (Method::DELETE, m.clone()),
        (Method::POST, format!("{m}/mute")),
        (Method::DELETE, format!("{m}/mute")),
        (Method::POST, format!("{m}/admin")),
        (Method::DELETE, format!("{m}/admin")),
        (Method::POST, format!("{r}/bans/bob")),
        (Method::DELETE, format!("{r}/bans/bob")),
    ];
    for (method, path) in calls {
        let a = anon
            .raw(method.clone(), &path, Some(&body.to_string()))
            .await;
        assert_eq!((a.status, a.code()), (401, 2000), "{method} {path}: {a:?}");
    }
    let mut wrong = Admin::new(&server);
    wrong.secret = Some("wrong".into());
    is(&wrong.get("/admin/rooms").await, 401, 2000);
    server.stop().await;
}

#[tokio::test]
async fn rooms_are_created_listed_with_member_counts_and_got() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let mut bob = server.user("bob").await;

    let a = admin
        .post(
            "/admin/rooms",
            json!({ "owner": "alice", "name": "  Launch  ", "recent": 2 }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["name"], "Launch");
    assert_eq!(a.body["owner"], "alice");
    assert_eq!(a.body["member_count"], 1);
    assert_eq!(
        (a.body["recent"].as_u64(), a.body["own_recent"].as_bool()),
        (Some(2), Some(true))
    );
    let first = a.body["room"].as_str().unwrap().to_string();
    let second = new_room(&admin, "alice", "Default", None).await;
    let a = admin.get(&format!("/admin/rooms/{second}")).await;
    assert_eq!(a.status, 200, "{a:?}");
    // The server's room_recent (50 by default).
    assert_eq!(
        (a.body["recent"].as_u64(), a.body["own_recent"].as_bool()),
        (Some(50), Some(false))
    );

    join(&mut bob, &rid(&first)).await;
    let a = admin.get(&format!("/admin/rooms/{first}")).await;
    assert_eq!(
        (a.body["member_count"].as_u64(), a.body["recent"].as_u64()),
        (Some(2), Some(2)),
        "{a:?}"
    );

    let mut ids = [first.clone(), second.clone()];
    ids.sort();
    let a = admin.get("/admin/rooms?limit=1").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["rooms"][0]["room"], ids[0].as_str());
    assert_eq!(a.body["next"], ids[0].as_str());
    let a = admin
        .get(&format!("/admin/rooms?limit=1&after={}", ids[0]))
        .await;
    assert_eq!(a.body["rooms"][0]["room"], ids[1].as_str());
    assert!(a.body["next"].is_null(), "a full last page: {a:?}");
    let a = admin.get("/admin/rooms").await;
    let counts: Vec<(String, u64)> = a.body["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["room"].as_str().unwrap().to_string(),
                r["member_count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(counts.contains(&(first.clone(), 2)), "{counts:?}");
    assert!(a.body["next"].is_null(), "{a:?}");

    // 404: unknown owner, the reserved `system`, unknown room.
    let create = |owner: &str| json!({ "owner": owner, "name": "x" });
    is(
        &admin.post("/admin/rooms", create("ghost")).await,
        404,
        3000,
    );
    is(
        &admin.post("/admin/rooms", create("system")).await,
        404,
        3000,
    );
    is(&admin.get("/admin/rooms/rnosuchroom").await, 404, 3000);
    // 400: bad bodies, ids and query strings.
    for body in [
        json!({ "owner": "alice", "name": "   " }),
        json!({ "owner": "alice", "name": "x", "recent": 1001 }),
        json!({ "owner": "alice", "name": "x", "recent": -1 }),
        json!({ "owner": "alice" }),
        json!({ "owner": "alice", "name": "x", "colour": "red" }),
        json!({ "owner": "a b", "name": "x" }),
    ] {
        is(&admin.post("/admin/rooms", body).await, 400, 1002);
    }
    let long = "n".repeat(65);
    is(
        &admin
            .post("/admin/rooms", json!({ "owner": "alice", "name": long }))
            .await,
        413,
        1003,
    );
    for bad in [
        "/admin/rooms?limit=0",
        "/admin/rooms?after=a%20b",
        "/admin/rooms?colour=red",
        "/admin/rooms/a%20b",
    ] {
        is(&admin.get(bad).await, 400, 1002);
    }
    server.stop().await;
}

#[tokio::test]
async fn admin_messages_reach_current_members_live_and_are_kept_for_joiners() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let room = new_room(&admin, "alice", "Stream", Some(2)).await;
    join(&mut bob, &rid(&room)).await;
    let path = format!("/admin/rooms/{room}/messages");

    let a = admin
        .post(
            &path,
            json!({ "from": "bob", "content": { "type": "text", "text": "one" } }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        (a.body["seq"].as_u64(), a.body["from"].as_str()),
        (Some(1), Some("bob"))
    );
    let m = next_message(&mut alice).await;
    assert_eq!((m.seq, m.from.as_str()), (1, "bob"));
    assert_eq!(texts(&[m]), ["one"]);
    // The sender's own devices get it too (nobody has an ack for it).
    assert_eq!(next_message(&mut bob).await.seq, 1);

    let a = admin
        .post(
            &format!("/admin/rooms/{room}/notices"),
            json!({ "text": "Stream starts in 5 minutes" }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        (a.body["from"].as_str(), a.body["content"]["type"].as_str()),
        (Some("system"), Some("system"))
    );
    for c in [&mut alice, &mut bob] {
        let m = next_message(c).await;
        assert_eq!(m.from.as_str(), "system");
        assert_eq!(
            m.content,
            Content::System {
                text: "Stream starts in 5 minutes".into()
            }
        );
    }
    admin
        .post(
            &path,
            json!({ "from": "alice", "content": { "type": "text", "text": "three" } }),
        )
        .await;
    // Carol was not in the room: nothing reached her; on joining she gets
    // the room's own two kept messages.
    assert!(messages_within(&mut carol, Duration::from_millis(300))
        .await
        .is_empty());
    let (_, recent) = join(&mut carol, &rid(&room)).await;
    assert_eq!(recent.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3]);

    // Refusals: not a member, unknown user, unknown room, files, system
    // content, muted, empty notice.
    let text = json!({ "type": "text", "text": "x" });
    server.user("dave").await;
    is(
        &admin
            .post(&path, json!({ "from": "dave", "content": text }))
            .await,
        404,
        4020,
    );
    is(
        &admin
            .post(&path, json!({ "from": "ghost", "content": text }))
            .await,
        404,
        3000,
    );
    is(
        &admin
            .post(
                "/admin/rooms/rnosuch/messages",
                json!({ "from": "bob", "content": text }),
            )
            .await,
        404,
        3000,
    );
    let file = json!({ "type": "file", "file": { "id": "f1", "name": "a", "size": 1, "mime": "text/plain" } });
    is(
        &admin
            .post(&path, json!({ "from": "bob", "content": file }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(
                &path,
                json!({ "from": "bob", "content": { "type": "system", "text": "fake" } }),
            )
            .await,
        403,
        4000,
    );
    let a = admin
        .post(
            &format!("/admin/rooms/{room}/members/bob/mute"),
            json!({ "minutes": 5 }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    is(
        &admin
            .post(&path, json!({ "from": "bob", "content": text }))
            .await,
        403,
        4002,
    );
    is(
        &admin.post(&path, json!({ "content": text })).await,
        400,
        1002,
    );
    let notices = format!("/admin/rooms/{room}/notices");
    is(
        &admin.post(&notices, json!({ "text": "  " })).await,
        400,
        1002,
    );
    is(
        &admin
            .post("/admin/rooms/rnosuch/notices", json!({ "text": "hi" }))
            .await,
        404,
        3000,
    );
    let huge = "x".repeat(20_000);
    is(
        &admin.post(&notices, json!({ "text": huge })).await,
        413,
        1003,
    );
    server.stop().await;
}

#[tokio::test]
async fn deleting_a_room_removes_it_for_its_members() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = new_room(&admin, "alice", "Gone", None).await;
    join(&mut bob, &rid(&room)).await;

    let a = admin.delete(&format!("/admin/rooms/{room}")).await;
    assert_eq!(
        (a.status, a.body["deleted"].as_bool()),
        (200, Some(true)),
        "{a:?}"
    );
    for c in [&mut alice, &mut bob] {
        assert_eq!(left(c).await, (RoomLeftReason::Deleted, None));
    }
    is(&admin.get(&format!("/admin/rooms/{room}")).await, 404, 3000);
    is(
        &admin.delete(&format!("/admin/rooms/{room}")).await,
        404,
        3000,
    );
    let e = bob
        .err_code(tern_proto::Request::JoinRoom { room: rid(&room) })
        .await;
    assert_eq!(e, ErrorCode::NotFound);
    is(&admin.delete("/admin/rooms/a%20b").await, 400, 1002);
    server.stop().await;
}
