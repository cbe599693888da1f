//! The admin API's user routes (issue 19): get one user, update a profile,
//! import users in bulk, export everything about one user (streamed), and
//! the server stats.

use crate::admin_support;
use crate::common;
use crate::groups_support;

use admin_support::{Admin, Answer};
use common::*;
use groups_support::change_where;
use serde_json::{json, Value};
use tern_proto::{Change, Platform, Request, Response};

fn is(a: &Answer, status: u16, code: u64) {
    assert_eq!((a.status, a.code()), (status, code), "{a:?}");
}

#[tokio::test]
async fn every_route_needs_the_secret() {
    let server = admin_support::start().await;
    let anon = Admin::without_secret(&server);
    is(&anon.get("/admin/users/alice").await, 401, 2000);
    is(
        &anon
            .raw(reqwest::Method::PATCH, "/admin/users/alice", Some("{}"))
            .await,
        401,
        2000,
    );
    is(&anon.get("/admin/users/alice/export").await, 401, 2000);
    is(
        &anon
            .post("/admin/import/users", json!({ "users": [] }))
            .await,
        401,
        2000,
    );
    is(&anon.get("/admin/stats").await, 401, 2000);
    server.stop().await;
}

#[tokio::test]
async fn get_one_user_with_profile_and_ban() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let a = admin
        .post(
            "/admin/users",
            json!({ "user": "alice", "password": PASSWORD, "nickname": "Alice" }),
        )
        .await;
    let created = a.body["created_at"].as_i64().unwrap();
    let a = admin.get("/admin/users/alice").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        a.body,
        json!({ "user": "alice", "nickname": "Alice", "avatar": null, "signature": "",
                "created_at": created, "ban": null })
    );
    admin
        .post("/admin/users/alice/ban", json!({ "reason": "spam" }))
        .await;
    let a = admin.get("/admin/users/alice").await;
    assert_eq!(a.body["ban"]["reason"], "spam", "{a:?}");
    is(&admin.get("/admin/users/nobody").await, 404, 3000);
    is(&admin.get("/admin/users/system").await, 404, 3000);
    is(&admin.get("/admin/users/a%20b").await, 400, 1002);
    admin.delete("/admin/users/alice").await;
    is(&admin.get("/admin/users/alice").await, 404, 3000);
    server.stop().await;
}

#[tokio::test]
async fn a_profile_update_reaches_the_users_devices() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut bob = server.user("bob").await;
    let path = "/admin/users/bob";
    let patch = |body: &str| {
        let body = body.to_string();
        let admin = &admin;
        async move { admin.raw(reqwest::Method::PATCH, path, Some(&body)).await }
    };
    let a = patch(r#"{"nickname":"Bobby","signature":"on holiday"}"#).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        a.body,
        json!({ "user": "bob", "nickname": "Bobby", "avatar": null, "signature": "on holiday" })
    );
    change_where(
        &mut bob,
        |c| matches!(c, Change::ProfileChanged { profile } if profile.nickname == "Bobby"),
    )
    .await;
    // Nothing to change: the profile as it is.
    let a = patch(r#"{"nickname":null}"#).await;
    assert_eq!(a.body["nickname"], "Bobby", "{a:?}");
    let a = admin.get(path).await;
    assert_eq!(a.body["signature"], "on holiday");

    is(
        &patch(&json!({ "nickname": "n".repeat(65) }).to_string()).await,
        413,
        1003,
    );
    is(
        &patch(&json!({ "signature": "s".repeat(257) }).to_string()).await,
        413,
        1003,
    );
    is(&patch(r#"{"color":"red"}"#).await, 400, 1002);
    is(&patch(r#"{"avatar":"../x"}"#).await, 400, 1002);
    is(&patch(r#"{"avatar":"notmine"}"#).await, 403, 4000);
    is(
        &admin
            .raw(reqwest::Method::PATCH, "/admin/users/ghost", Some("{}"))
            .await,
        404,
        3000,
    );
    is(
        &admin
            .raw(
                reqwest::Method::PATCH,
                "/admin/users/system",
                Some(r#"{"nickname":"x"}"#),
            )
            .await,
        403,
        4000,
    );
    server.stop().await;
}

#[tokio::test]
async fn bulk_import_reports_each_row() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("taken").await;
    let rows = json!({ "users": [
        { "user": "new1", "password": PASSWORD, "nickname": "New One" },
        { "user": "taken", "password": PASSWORD },
        { "user": "bad id", "password": PASSWORD },
        { "user": "short", "password": "x" },
        { "user": "system", "password": PASSWORD },
        "not an object",
        { "user": "new2", "password": PASSWORD, "color": "red" },
        { "user": "new3", "password": PASSWORD },
    ]});
    let a = admin.post("/admin/import/users", rows).await;
    assert_eq!(a.status, 200, "{a:?}");
    let results: Vec<(Value, &str)> = a.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["user"].clone(), r["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            (json!("new1"), "created"),
            (json!("taken"), "exists"),
            (json!("bad id"), "invalid"),
            (json!("short"), "invalid"),
            (json!("system"), "exists"),
            (Value::Null, "invalid"),
            (json!("new2"), "invalid"),
            (json!("new3"), "created"),
        ]
    );
    assert_eq!(
        (
            a.body["created"].as_u64(),
            a.body["exists"].as_u64(),
            a.body["invalid"].as_u64()
        ),
        (Some(2), Some(2), Some(4))
    );
    assert!(
        a.body["results"][6]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `color`"),
        "{a:?}"
    );
    // The imported accounts log in.
    let mut c = Client::greeted(server.addr()).await;
    c.login("new1", "d1", Platform::Desktop)
        .await
        .expect("imported user logs in");
    assert_eq!(
        admin.get("/admin/users/new1").await.body["nickname"],
        "New One"
    );

    let many: Vec<Value> = (0..101)
        .map(|i| json!({ "user": format!("u{i}"), "password": PASSWORD }))
        .collect();
    is(
        &admin
            .post("/admin/import/users", json!({ "users": many }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post("/admin/import/users", json!({ "users": [] }))
            .await,
        400,
        1002,
    );
    is(
        &admin.post("/admin/import/users", json!({})).await,
        400,
        1002,
    );
    is(
        &admin
            .post("/admin/import/users", json!({ "users": 5 }))
            .await,
        400,
        1002,
    );
    server.stop().await;
}

#[tokio::test]
async fn a_user_export_holds_profile_relations_messages_and_files() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    server.user("carol").await;
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "hi".into(),
        })
        .await;
    bob.ok(Request::AcceptFriend { from: uid("alice") }).await;
    alice.ok(Request::Block { user: uid("carol") }).await;
    admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Team", "members": ["bob"] }),
        )
        .await;
    let token = alice.token.clone().unwrap();
    let file = upload_as(
        server.addr(),
        &token,
        "a.txt",
        "text/plain",
        b"hello".to_vec(),
    )
    .await;
    // More messages than one export page (500).
    let conv = dm("alice", "bob");
    let reqs: Vec<Request> = (0..520)
        .map(|i| text_msg(&conv, &format!("c{i}"), &format!("m{i}")))
        .collect();
    for r in alice.pipeline(reqs).await {
        assert!(matches!(r, Ok(Response::Sent { .. })), "{r:?}");
    }
    bob.ok(text_msg(&conv, "b1", "not alice's")).await;

    let a = admin.get("/admin/users/alice/export").await;
    assert_eq!(a.status, 200, "{:?}", a.body["profile"]);
    let e = &a.body;
    assert_eq!(e["profile"]["user"], "alice");
    assert_eq!(
        e["friends"][0]["profile"]["user"], "bob",
        "{}",
        e["friends"]
    );
    assert_eq!(e["blacklist"], json!(["carol"]));
    assert_eq!(e["groups"][0]["name"], "Team");
    let msgs = e["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 520);
    assert!(msgs.iter().all(|m| m["sender"] == "alice"));
    let ids: Vec<u64> = msgs.iter().map(|m| m["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered by id");
    assert_eq!(e["files"].as_array().unwrap().len(), 1, "{}", e["files"]);
    assert_eq!(e["files"][0]["id"], file.as_str());
    assert_eq!(e["files"][0]["size"], 5);

    is(&admin.get("/admin/users/ghost/export").await, 404, 3000);
    is(&admin.get("/admin/users/a%20b/export").await, 400, 1002);
    server.stop().await;
}

#[tokio::test]
async fn stats_count_users_groups_messages_and_connections() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    admin.create_user("bob").await;
    admin
        .post("/admin/groups", json!({ "owner": "alice", "name": "Team" }))
        .await;
    alice.ok(text_msg(&dm("alice", "bob"), "c1", "hi")).await;
    let a = admin.get("/admin/stats").await;
    assert_eq!(a.status, 200, "{a:?}");
    let s = &a.body;
    assert_eq!(
        (
            s["users"].as_u64(),
            s["groups"].as_u64(),
            s["messages"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{s}"
    );
    assert!(s["connections"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["webhook_pending"], 0);
    assert!(s["uptime_secs"].is_u64() && s["node"].is_string(), "{s}");
    server.stop().await;
}
