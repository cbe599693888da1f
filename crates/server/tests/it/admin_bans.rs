//! Bans through the admin API (a banned user is kicked and cannot log in or
//! resume until unbanned) and the paged, searchable user list, with their
//! 400/401/403/404 answers.

use crate::admin_support;
use crate::common;

use admin_support::Admin;
use common::{uid, Client, TestServer, PASSWORD};
use serde_json::json;
use tern_proto::{DeviceId, ErrorCode, KickReason, Platform, Push, Request, Response};

async fn login(server: &TestServer, name: &str) -> Result<Client, tern_proto::WireError> {
    let mut c = Client::greeted(server.addr()).await;
    c.login(name, "dev", Platform::Desktop).await.map(|_| c)
}

async fn resume(server: &TestServer, token: &str) -> Result<Response, tern_proto::WireError> {
    let mut c = Client::greeted(server.addr()).await;
    c.request(Request::Resume {
        token: token.into(),
        platform: Platform::Desktop,
        device: DeviceId::new("x-dev").unwrap(),
    })
    .await
}

#[tokio::test]
async fn a_banned_user_is_kicked_cannot_log_in_or_resume_and_can_after_unban() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let mut alice = login(&server, "alice").await.unwrap();
    let old_token = alice.token.clone().unwrap();
    let minted = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 600 }))
        .await;
    let minted = minted.body["token"].as_str().unwrap().to_string();

    let r = admin
        .post(
            "/admin/users/alice/ban",
            json!({ "reason": "spamming the lobby" }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.body,
        json!({ "user": "alice", "banned": true, "reason": "spamming the lobby", "sessions_revoked": 1 })
    );
    let kicked = alice.push_where(|p| matches!(p, Push::Kicked { .. })).await;
    assert_eq!(
        kicked,
        Push::Kicked {
            reason: KickReason::Admin
        }
    );
    alice.closed().await;

    let err = login(&server, "alice")
        .await
        .err()
        .expect("a banned login is refused");
    assert_eq!(err.code, ErrorCode::Forbidden);
    assert_eq!(err.message, "this account is banned: spamming the lobby");
    for token in [&old_token, &minted] {
        let err = resume(&server, token).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden, "{err:?}");
    }
    // A wrong password is still just a wrong password (no ban news to strangers).
    let mut c = Client::greeted(server.addr()).await;
    let err = c
        .request(Request::Login {
            user: uid("alice"),
            password: "not the password".into(),
            platform: Platform::Desktop,
            device: DeviceId::new("x").unwrap(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadCredentials);

    let list = admin.get("/admin/users?query=alice").await;
    assert_eq!(
        list.body["users"][0]["ban"]["reason"], "spamming the lobby",
        "{list:?}"
    );

    let r = admin.delete("/admin/users/alice/ban").await;
    assert_eq!(
        r.body,
        json!({ "user": "alice", "banned": false, "was_banned": true })
    );
    let r = admin.delete("/admin/users/alice/ban").await;
    assert_eq!(r.body["was_banned"], false);
    login(&server, "alice")
        .await
        .expect("unbanned: logs in again");
    let _ = PASSWORD;

    // Errors.
    let anon = Admin::without_secret(&server);
    assert_eq!(
        anon.post("/admin/users/alice/ban", json!({ "reason": "x" }))
            .await
            .status,
        401
    );
    assert_eq!(anon.delete("/admin/users/alice/ban").await.status, 401);
    let r = admin
        .post("/admin/users/nobody/ban", json!({ "reason": "x" }))
        .await;
    assert_eq!((r.status, r.code()), (404, 3000));
    assert_eq!(admin.delete("/admin/users/nobody/ban").await.status, 404);
    let r = admin
        .post("/admin/users/alice/ban", json!({ "reason": "  " }))
        .await;
    assert_eq!((r.status, r.code()), (400, 1002));
    let r = admin.post("/admin/users/alice/ban", json!({})).await;
    assert_eq!(r.status, 400);
    assert!(r.message().contains("reason"), "{}", r.message());
    let r = admin
        .post(
            "/admin/users/alice/ban",
            json!({ "reason": "x".repeat(257) }),
        )
        .await;
    assert_eq!((r.status, r.code()), (413, 1003));
    let r = admin
        .post("/admin/users/bad%20id/ban", json!({ "reason": "x" }))
        .await;
    assert_eq!(r.status, 400);
    let r = admin
        .post("/admin/users/system/ban", json!({ "reason": "x" }))
        .await;
    assert_eq!((r.status, r.code()), (403, 4000));
    // Every action on the reserved `system` account is refused alike.
    let r = admin.delete("/admin/users/system/ban").await;
    assert_eq!((r.status, r.code()), (403, 4000), "{r:?}");
    let r = admin
        .post("/admin/users/system/force-offline", json!({}))
        .await;
    assert_eq!((r.status, r.code()), (403, 4000), "{r:?}");
    server.stop().await;
}

#[tokio::test]
async fn users_are_listed_by_id_in_pages_and_searched() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    for (u, nick) in [
        ("u05", "Eve"),
        ("u01", "Ann"),
        ("u03", "Cat"),
        ("u02", "Bob"),
        ("u04", "Dan"),
        ("zed", "Annette"),
    ] {
        let r = admin
            .post(
                "/admin/users",
                json!({ "user": u, "password": PASSWORD, "nickname": nick }),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let mut seen = Vec::new();
    let mut path = "/admin/users?limit=2".to_string();
    let mut pages = 0;
    loop {
        let r = admin.get(&path).await;
        assert_eq!(r.status, 200, "{r:?}");
        pages += 1;
        for u in r.body["users"].as_array().unwrap() {
            seen.push(u["user"].as_str().unwrap().to_string());
            assert!(u["ban"].is_null());
        }
        match r.body["next"].as_str() {
            Some(next) => path = format!("/admin/users?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["u01", "u02", "u03", "u04", "u05", "zed"],
        "system is not listed"
    );
    // Six users, two a page: the third page is the last, full as it is.
    assert_eq!(pages, 3, "a full last page has no `next`");

    let r = admin.get("/admin/users?query=ANN").await;
    let ids: Vec<&str> = r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["u01", "zed"], "nickname match, case-insensitive");
    let r = admin.get("/admin/users?query=u0&after=u03").await;
    assert_eq!(r.body["users"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["next"], serde_json::Value::Null);

    for bad in [
        "/admin/users?limit=0",
        "/admin/users?limit=x",
        "/admin/users?after=bad%20id",
        "/admin/users?query=",
        "/admin/users?page=2",
    ] {
        let r = admin.get(bad).await;
        assert_eq!((r.status, r.code()), (400, 1002), "{bad}: {r:?}");
    }
    assert_eq!(
        Admin::without_secret(&server)
            .get("/admin/users")
            .await
            .status,
        401
    );
    server.stop().await;
}
