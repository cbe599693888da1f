//! Creating, deleting and re-passwording users through the admin API, with
//! the pushes connected devices see and what their tokens do afterwards.

use crate::admin_support;
use crate::common;

use admin_support::Admin;
use common::{uid, Client, PASSWORD};
use serde_json::json;
use tern_proto::{
    Change, DeviceId, ErrorCode, KickReason, Platform, Push, Request, Response, VersionedChange,
};

async fn login(
    server: &common::TestServer,
    name: &str,
    password: &str,
) -> Result<Response, tern_proto::WireError> {
    let mut c = Client::greeted(server.addr()).await;
    c.request(Request::Login {
        user: uid(name),
        password: password.into(),
        platform: Platform::Desktop,
        device: DeviceId::new("d1").unwrap(),
    })
    .await
}

#[tokio::test]
async fn created_users_can_log_in_and_ids_are_unique() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let a = admin
        .post(
            "/admin/users",
            json!({ "user": "alice", "password": PASSWORD, "nickname": "Alice A." }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["user"], "alice");
    assert_eq!(a.body["nickname"], "Alice A.");
    let Ok(Response::Session { profile, .. }) = login(&server, "alice", PASSWORD).await else {
        panic!("the created user logs in")
    };
    assert_eq!(profile.nickname, "Alice A.");

    let again = admin
        .post(
            "/admin/users",
            json!({ "user": "alice", "password": PASSWORD }),
        )
        .await;
    assert_eq!(again.status, 409, "{again:?}");
    assert_eq!(again.code(), 2004);
    let system = admin
        .post(
            "/admin/users",
            json!({ "user": "system", "password": PASSWORD }),
        )
        .await;
    assert_eq!(system.status, 409, "`system` is reserved: {system:?}");
    assert_eq!(
        login(&server, "system", "!").await.unwrap_err().code,
        ErrorCode::BadCredentials,
        "nobody logs in as system"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_bodies_get_400_naming_the_field() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let cases: &[(&str, &str)] = &[
        (
            r#"{"user":"bob"}"#,
            "invalid body: missing field `password`",
        ),
        (
            r#"{"user":"b o b","password":"long enough"}"#,
            "invalid body: field `user`: invalid user id",
        ),
        (
            r#"{"user":"bob","password":12345678}"#,
            "invalid body: field `password`: invalid type: integer",
        ),
        (
            r#"{"user":"bob","password":"long enough","pasword":"x"}"#,
            "invalid body: field `pasword`: unknown field `pasword`, expected one of `user`, `password`, `nickname`",
        ),
        (
            r#"{"user":"bob","password":"short"}"#,
            "`password` must be 8 to 256 characters",
        ),
        (r#"{"user":"bob","#, "the body is not valid JSON: EOF while parsing a value at line 1 column 14"),
        ("", "the request body must be a JSON object"),
        ("[1,2]", "the request body must be a JSON object"),
    ];
    for (body, want) in cases {
        let a = admin
            .raw(reqwest::Method::POST, "/admin/users", Some(body))
            .await;
        assert_eq!(a.status, 400, "{body}: {a:?}");
        assert_eq!(a.code(), 1002, "{body}: {a:?}");
        assert!(
            a.message().starts_with(want),
            "{body}: got {:?}, want {want:?}",
            a.message()
        );
    }
    let huge = format!(r#"{{"user":"bob","password":"{}"}}"#, "p".repeat(3 << 20));
    let a = admin
        .raw(reqwest::Method::POST, "/admin/users", Some(&huge))
        .await;
    assert_eq!(
        (a.status, a.code()),
        (413, 1003),
        "bodies are capped: {a:?}"
    );
    let long = "n".repeat(65);
    let a = admin
        .post(
            "/admin/users",
            json!({ "user": "bob", "password": PASSWORD, "nickname": long }),
        )
        .await;
    assert_eq!(a.status, 413, "{a:?}");
    assert!(a.message().contains("`nickname`"), "{a:?}");
    let a = admin.delete("/admin/users/b%20o%20b").await;
    assert_eq!(a.status, 400);
    assert!(
        a.message()
            .starts_with("path segment `user`: invalid user id"),
        "{a:?}"
    );
    assert_eq!(
        login(&server, "bob", PASSWORD).await.unwrap_err().code,
        ErrorCode::BadCredentials
    );
    server.stop().await;
}

#[tokio::test]
async fn deleting_a_user_kicks_them_and_clears_them_from_friends_lists() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice
        .ok(Request::ApplyFriend {
            to: uid("bob"),
            greeting: "hi".into(),
        })
        .await;
    bob.ok(Request::AcceptFriend { from: uid("alice") }).await;
    alice
        .push_where(|p| {
            matches!(
                p,
                Push::Change(VersionedChange {
                    change: Change::FriendAdded { .. },
                    ..
                })
            )
        })
        .await;
    let token = alice.token.clone().unwrap();

    let a = admin.delete("/admin/users/alice").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        a.body,
        json!({ "user": "alice", "deleted": true, "sessions_revoked": 1 })
    );
    let kicked = alice.push_where(|p| matches!(p, Push::Kicked { .. })).await;
    assert_eq!(
        kicked,
        Push::Kicked {
            reason: KickReason::AccountDeleted
        }
    );
    alice.closed().await;
    bob.push_where(|p| {
        matches!(p, Push::Change(VersionedChange { change: Change::FriendDeleted { user }, .. }) if *user == uid("alice"))
    })
    .await;
    let Response::Friends { friends } = bob.ok(Request::GetFriends { users: None }).await else {
        panic!()
    };
    assert!(friends.is_empty(), "{friends:?}");

    assert_eq!(
        login(&server, "alice", PASSWORD).await.unwrap_err().code,
        ErrorCode::BadCredentials
    );
    let mut again = Client::greeted(server.addr()).await;
    assert_eq!(
        again.resume(&token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    assert_eq!(admin.delete("/admin/users/alice").await.status, 404);
    let reuse = admin
        .post(
            "/admin/users",
            json!({ "user": "alice", "password": PASSWORD }),
        )
        .await;
    assert_eq!(
        reuse.status, 409,
        "a deleted id is never handed out again: {reuse:?}"
    );
    assert_eq!(
        again.err_code(common::register("alice")).await,
        ErrorCode::UserExists
    );
    assert_eq!(
        bob.err_code(common::text_msg(
            &common::dm("alice", "bob"),
            "m1",
            "hello?"
        ))
        .await,
        ErrorCode::NotFound
    );
    let system = admin.delete("/admin/users/system").await;
    assert_eq!(system.status, 403, "{system:?}");
    assert_eq!(admin.delete("/admin/users/nobody").await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn resetting_a_password_kicks_every_session_and_revokes_its_token() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let mut desk = server.device("alice", "desk", Platform::Desktop).await;
    let mut phone = server.device("alice", "phone", Platform::Mobile).await;
    let old_token = desk.token.clone().unwrap();
    let minted = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 600 }))
        .await;
    let minted = minted.body["token"].as_str().unwrap().to_string();

    let a = admin
        .post(
            "/admin/users/alice/password",
            json!({ "password": "brand new secret" }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body, json!({ "user": "alice", "sessions_revoked": 2 }));
    for c in [&mut desk, &mut phone] {
        let kicked = c.push_where(|p| matches!(p, Push::Kicked { .. })).await;
        assert_eq!(
            kicked,
            Push::Kicked {
                reason: KickReason::PasswordChanged
            }
        );
    }
    let mut c = Client::greeted(server.addr()).await;
    assert_eq!(
        c.resume(&old_token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    assert_eq!(
        c.resume(&minted).await.unwrap_err().code,
        ErrorCode::TokenInvalid,
        "an unused minted token is revoked too"
    );
    assert_eq!(
        login(&server, "alice", PASSWORD).await.unwrap_err().code,
        ErrorCode::BadCredentials
    );
    assert!(login(&server, "alice", "brand new secret").await.is_ok());

    let short = admin
        .post(
            "/admin/users/alice/password",
            json!({ "password": "short" }),
        )
        .await;
    assert_eq!(short.status, 400);
    let missing = admin
        .post(
            "/admin/users/alice/password",
            json!({ "pass": "brand new secret" }),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.message().contains("`pass`"), "{missing:?}");
    let nobody = admin
        .post(
            "/admin/users/nobody/password",
            json!({ "password": "brand new secret" }),
        )
        .await;
    assert_eq!(nobody.status, 404, "{nobody:?}");
    assert_eq!(nobody.message(), "no user `nobody`");
    server.stop().await;
}
