//! The admin API's chat-room member routes (issue 19): kick with a ban,
//! bans without membership and unbans, mute, admins — each with its
//! 400/403/404, and what the member connected over the real WebSocket hears
//! of it. Runs on SQLite, on PostgreSQL (`scripts/test-postgres.sh -p
//! tern-server --test it -- admin_room_members::`) and across two nodes.

use crate::admin_rooms_support;
use crate::admin_support;
use crate::rooms_support;

use std::time::Duration;

use admin_rooms_support::*;
use admin_support::Admin;
use reqwest::Method;
use rooms_support::*;
use serde_json::json;
use tern_proto::{ErrorCode, RoomLeftReason};

#[tokio::test]
async fn a_kicked_member_is_removed_and_cannot_rejoin_until_the_ban_ends() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = new_room(&admin, "alice", "Kicks", None).await;
    join(&mut bob, &rid(&room)).await;
    let base = format!("/admin/rooms/{room}/members");

    let a = admin.delete(&format!("{base}/bob?ban_secs=2")).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert!(a.body["banned_until"].as_i64().is_some(), "{a:?}");
    let (reason, until) = left(&mut bob).await;
    assert_eq!(reason, RoomLeftReason::Kicked);
    assert!(until.is_some());
    assert_eq!(listed_members(&admin.get(&base).await), ["alice"]);
    let e = bob
        .err_code(tern_proto::Request::JoinRoom { room: rid(&room) })
        .await;
    assert_eq!(e, ErrorCode::RoomBanned);
    // Messages no longer reach him.
    admin
        .post(
            &format!("/admin/rooms/{room}/notices"),
            json!({ "text": "after the kick" }),
        )
        .await;
    next_message(&mut alice).await;
    assert!(messages_within(&mut bob, Duration::from_millis(300))
        .await
        .is_empty());
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    join(&mut bob, &rid(&room)).await;

    // Without a ban he may rejoin at once.
    is(&admin.delete(&format!("{base}/bob")).await, 200, 0);
    assert_eq!(left(&mut bob).await, (RoomLeftReason::Kicked, None));
    join(&mut bob, &rid(&room)).await;

    is(&admin.delete(&format!("{base}/alice")).await, 403, 4014);
    server.user("carol").await;
    is(&admin.delete(&format!("{base}/carol")).await, 404, 4020);
    is(&admin.delete(&format!("{base}/ghost")).await, 404, 3000);
    is(
        &admin.delete("/admin/rooms/rnosuch/members/bob").await,
        404,
        3000,
    );
    for bad in [
        "bob?ban_secs=2592001",
        "bob?ban_secs=-1",
        "bob?ban=1",
        "a%20b",
    ] {
        is(&admin.delete(&format!("{base}/{bad}")).await, 400, 1002);
    }
    assert_eq!(listed_members(&admin.get(&base).await), ["alice", "bob"]);
    server.stop().await;
}

#[tokio::test]
async fn bans_need_no_membership_and_unbans_lift_them() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let _alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let mut carol = server.user("carol").await;
    let room = new_room(&admin, "alice", "Bans", None).await;
    join(&mut bob, &rid(&room)).await;
    let bans = format!("/admin/rooms/{room}/bans");

    let a = admin
        .post(&format!("{bans}/carol"), json!({ "seconds": 600 }))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["was_member"], false);
    let join_req = tern_proto::Request::JoinRoom { room: rid(&room) };
    assert_eq!(
        carol.err_code(join_req.clone()).await,
        ErrorCode::RoomBanned
    );

    let a = admin
        .post(&format!("{bans}/bob"), json!({ "seconds": 600 }))
        .await;
    assert_eq!(a.body["was_member"], true, "{a:?}");
    let (reason, until) = left(&mut bob).await;
    assert_eq!(
        (reason, until),
        (RoomLeftReason::Kicked, a.body["banned_until"].as_i64())
    );
    assert_eq!(bob.err_code(join_req.clone()).await, ErrorCode::RoomBanned);

    let a = admin.delete(&format!("{bans}/carol")).await;
    assert_eq!(
        (a.status, a.body["was_banned"].as_bool()),
        (200, Some(true)),
        "{a:?}"
    );
    join(&mut carol, &rid(&room)).await;
    let a = admin.delete(&format!("{bans}/carol")).await;
    assert_eq!(a.body["was_banned"], false, "{a:?}");

    is(
        &admin
            .post(&format!("{bans}/alice"), json!({ "seconds": 60 }))
            .await,
        403,
        4014,
    );
    is(
        &admin
            .post(&format!("{bans}/ghost"), json!({ "seconds": 60 }))
            .await,
        404,
        3000,
    );
    is(
        &admin
            .post("/admin/rooms/rnosuch/bans/bob", json!({ "seconds": 60 }))
            .await,
        404,
        3000,
    );
    is(
        &admin.delete("/admin/rooms/rnosuch/bans/bob").await,
        404,
        3000,
    );
    for body in [
        json!({ "seconds": 0 }),
        json!({ "seconds": 2_592_001 }),
        json!({}),
    ] {
        is(&admin.post(&format!("{bans}/bob"), body).await, 400, 1002);
    }
    server.stop().await;
}

#[tokio::test]
async fn members_are_muted_and_appointed_admins() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let _alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    let room = new_room(&admin, "alice", "Roles", None).await;
    join(&mut bob, &rid(&room)).await;
    let base = format!("/admin/rooms/{room}/members");

    let a = admin
        .post(&format!("{base}/bob/mute"), json!({ "minutes": 5 }))
        .await;
    assert_eq!(
        (a.status, a.body["muted_minutes"].as_u64()),
        (200, Some(5)),
        "{a:?}"
    );
    assert_eq!(
        bob.err_code(send_req(&rid(&room), "hi")).await,
        ErrorCode::Muted
    );
    let a = admin.get(&format!("{base}?after=alice")).await;
    assert_eq!(listed_members(&a), ["bob"]);
    assert!(
        a.body["members"][0]["muted_until"].as_i64().is_some(),
        "{a:?}"
    );
    let a = admin.delete(&format!("{base}/bob/mute")).await;
    assert_eq!(
        (a.status, a.body["muted_minutes"].as_u64()),
        (200, Some(0)),
        "{a:?}"
    );
    send(&mut bob, &rid(&room), "back").await;

    let a = admin
        .raw(Method::POST, &format!("{base}/bob/admin"), None)
        .await;
    assert_eq!(
        (a.status, a.body["role"].as_str()),
        (200, Some("admin")),
        "{a:?}"
    );
    let a = admin.get(&base).await;
    assert_eq!(a.body["members"][1]["role"], "admin", "{a:?}");
    // An admin of the room may now mute plain members over the WebSocket.
    let mut carol = server.user("carol").await;
    join(&mut carol, &rid(&room)).await;
    bob.ok(mute(&rid(&room), "carol", 1)).await;
    let a = admin.delete(&format!("{base}/bob/admin")).await;
    assert_eq!(
        (a.status, a.body["role"].as_str()),
        (200, Some("member")),
        "{a:?}"
    );
    assert_eq!(
        bob.err_code(mute(&rid(&room), "carol", 1)).await,
        ErrorCode::NotManager
    );

    is(
        &admin
            .raw(Method::POST, &format!("{base}/alice/admin"), None)
            .await,
        403,
        3004,
    );
    is(
        &admin
            .post(&format!("{base}/alice/mute"), json!({ "minutes": 5 }))
            .await,
        403,
        4014,
    );
    is(
        &admin
            .post(&format!("{base}/dave/mute"), json!({ "minutes": 5 }))
            .await,
        404,
        4020,
    );
    is(
        &admin
            .raw(Method::POST, &format!("{base}/dave/admin"), None)
            .await,
        404,
        4020,
    );
    for body in [
        json!({ "minutes": 0 }),
        json!({ "minutes": 43_201 }),
        json!({ "minutes": "5" }),
    ] {
        is(
            &admin.post(&format!("{base}/bob/mute"), body).await,
            400,
            1002,
        );
    }
    is(&admin.get("/admin/rooms/rnosuch/members").await, 404, 3000);
    is(&admin.get(&format!("{base}?limit=0")).await, 400, 1002);
    server.stop().await;
}
