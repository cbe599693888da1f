//! Tokens minted by the admin API (what an app backend does instead of
//! handling passwords) log in through the WebSocket `resume` until they expire.

use crate::admin_support;
use crate::common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use admin_support::Admin;
use common::{uid, Client};
use serde_json::json;
use tern_proto::{ErrorCode, Response};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn a_minted_token_logs_in_and_stops_working_after_its_expiry() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let before = now_ms();
    let a = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 1 }))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["user"], "alice");
    let token = a.body["token"].as_str().unwrap().to_string();
    let expires_at = a.body["expires_at"].as_i64().unwrap();
    assert!(
        expires_at >= before + 1000 && expires_at <= now_ms() + 1000,
        "{a:?}"
    );

    let mut c = Client::greeted(server.addr()).await;
    let Response::Session {
        token: got,
        expires_at: exp,
        profile,
        ..
    } = c.resume(&token).await.unwrap()
    else {
        panic!("resume answers with a session")
    };
    assert_eq!(
        (got.as_str(), exp, profile.user),
        (token.as_str(), expires_at, uid("alice"))
    );
    // The session is real: the user can act.
    c.ok(tern_proto::Request::Conversations).await;

    // Once the clock is past the expiry, the same token is refused with the distinct code.
    let wait = expires_at - now_ms() + 20;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    let mut late = Client::greeted(server.addr()).await;
    let err = late.resume(&token).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::TokenExpired, "{err:?}");
    server.stop().await;
}

#[tokio::test]
async fn minting_checks_the_user_and_the_lifetime() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let nobody = admin
        .post("/admin/users/nobody/tokens", json!({ "ttl_secs": 60 }))
        .await;
    assert_eq!(nobody.status, 404, "{nobody:?}");
    assert_eq!(nobody.message(), "no user `nobody`");
    for (body, want) in [
        (json!({}), "invalid body: missing field `ttl_secs`"),
        (json!({ "ttl_secs": 0 }), "`ttl_secs` must be 1 to 31622400"),
        (
            json!({ "ttl_secs": 40_000_000 }),
            "`ttl_secs` must be 1 to 31622400",
        ),
        (
            json!({ "ttl_secs": -5 }),
            "invalid body: field `ttl_secs`: invalid value: integer `-5`",
        ),
        (
            json!({ "ttl_secs": "60" }),
            "invalid body: field `ttl_secs`: invalid type: string",
        ),
    ] {
        let a = admin.post("/admin/users/alice/tokens", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {a:?}");
        assert!(a.message().starts_with(want), "{body}: {:?}", a.message());
    }
    let system = admin
        .post("/admin/users/system/tokens", json!({ "ttl_secs": 60 }))
        .await;
    assert_eq!(system.status, 403, "{system:?}");

    // Two tokens for one user are two sessions.
    let t1 = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 60 }))
        .await;
    let t2 = admin
        .post("/admin/users/alice/tokens", json!({ "ttl_secs": 60 }))
        .await;
    assert_ne!(t1.body["token"], t2.body["token"]);
    let mut online = Vec::new();
    for t in [&t1, &t2] {
        let mut c = Client::greeted(server.addr()).await;
        c.resume(t.body["token"].as_str().unwrap()).await.unwrap();
        online.push(c);
    }
    let s = admin.get("/admin/sessions").await;
    assert_eq!(s.body["sessions"].as_array().unwrap().len(), 2, "{s:?}");
    server.stop().await;
}

/// Attack: a minted token leaks before its app used it. The user changes
/// their password, or signs out every other device: both revoke every other
/// session, and a minted token never used had no session row, so it still
/// logged in afterwards.
#[tokio::test]
async fn changing_the_password_or_signing_out_others_revokes_unused_minted_tokens() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let mint = || async {
        let a = admin
            .post("/admin/users/alice/tokens", json!({ "ttl_secs": 3600 }))
            .await;
        assert_eq!(a.status, 200, "{a:?}");
        a.body["token"].as_str().unwrap().to_string()
    };
    let leaked = mint().await;
    let mut alice = server.user("alice").await;
    alice
        .ok(tern_proto::Request::ChangePassword {
            old_password: common::PASSWORD.into(),
            new_password: "a-new-password-1".into(),
        })
        .await;
    let mut c = Client::greeted(server.addr()).await;
    assert_eq!(
        c.resume(&leaked).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    let leaked = mint().await;
    alice.ok(tern_proto::Request::SignOutOthers).await;
    let mut c = Client::greeted(server.addr()).await;
    assert_eq!(
        c.resume(&leaked).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    // The device that asked stays signed in.
    alice.ok(tern_proto::Request::Conversations).await;
}
