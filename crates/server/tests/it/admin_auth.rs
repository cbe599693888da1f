//! The admin API's gate: off without a secret, 401 without the right bearer
//! secret on every documented route, JSON errors for unknown routes.

use crate::admin_support;
use crate::common;

use admin_support::{Admin, SECRET};
use common::TestServer;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn without_a_secret_every_admin_route_says_the_api_is_off() {
    let server = TestServer::start().await;
    let admin = Admin::new(&server);
    for (method, path) in [
        (Method::GET, "/admin/openapi.json"),
        (Method::GET, "/admin/sessions"),
        (Method::POST, "/admin/users"),
        (Method::DELETE, "/admin/users/alice"),
        (Method::GET, "/admin/no-such-route"),
    ] {
        let a = admin.raw(method.clone(), path, Some("{}")).await;
        assert_eq!(a.status, 404, "{method} {path}: {a:?}");
        assert_eq!(a.message(), "admin API disabled: set TERN_ADMIN_SECRET");
        assert_eq!(a.code(), 3000);
    }
    // The rest of the server is unaffected.
    assert_eq!(common::health(server.addr()).await["status"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn every_documented_route_needs_the_right_secret() {
    let server = admin_support::start().await;
    let doc = Admin::without_secret(&server)
        .get("/admin/openapi.json")
        .await;
    assert_eq!(doc.status, 200, "the document needs no secret");
    let paths = doc.body["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "delete" => Method::DELETE,
                _ => continue, // "parameters"
            };
            if op["security"] == json!([]) {
                continue;
            }
            let path = path.replace("{user}", "alice").replace("{name}", "rx");
            let missing = Admin::without_secret(&server)
                .raw(method.clone(), &path, Some("{}"))
                .await;
            assert_eq!(missing.status, 401, "{method} {path}: {missing:?}");
            assert_eq!(missing.code(), 2000);
            assert!(missing.message().contains("Authorization"), "{missing:?}");

            let mut wrong = Admin::new(&server);
            wrong.secret = Some(format!("{SECRET}x"));
            let a = wrong.raw(method.clone(), &path, Some("{}")).await;
            assert_eq!(a.status, 401, "{method} {path}: {a:?}");
            assert_eq!(a.message(), "wrong admin secret");
            wrong.secret = Some(SECRET[..SECRET.len() - 1].into());
            assert_eq!(
                wrong.raw(method.clone(), &path, Some("{}")).await.status,
                401
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 45, "forty-five secured operations are documented");

    // A Basic header carrying the secret is not a bearer token.
    let a = common::http_client()
        .get(format!("http://{}/admin/sessions", server.addr()))
        .header("authorization", format!("Basic {SECRET}"))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status().as_u16(), 401);

    // With the secret, the same listing works.
    assert_eq!(Admin::new(&server).get("/admin/sessions").await.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let a = admin.get("/admin/nope").await;
    assert_eq!(a.status, 404);
    assert!(a.message().contains("no such admin route"), "{a:?}");
    let a = admin.raw(Method::PUT, "/admin/users", Some("{}")).await;
    assert_eq!(a.status, 405, "{a:?}");
    assert_eq!(a.message(), "method not allowed on this admin route");
    server.stop().await;
}

/// Attack: guess the admin secret at full HTTP speed. Wrong secrets were
/// neither counted nor logged; now they are counted per address like failed
/// logins (`login_max_failures_per_ip`), and past it the address is refused
/// (429, code 1004) for the lockout time — the right secret too — while the
/// rest of the server works as before.
#[tokio::test]
async fn wrong_secrets_lock_the_address_out_of_the_admin_api() {
    let server = admin_support::start_with(|c| c.security.login_max_failures_per_ip = 3).await;
    let right = Admin::new(&server);
    assert_eq!(right.get("/admin/sessions").await.status, 200);
    let mut wrong = Admin::new(&server);
    wrong.secret = Some("guess".into());
    for _ in 0..3 {
        let a = wrong.get("/admin/sessions").await;
        assert_eq!(a.status, 401, "{a:?}");
    }
    let a = right.get("/admin/sessions").await;
    assert_eq!(a.status, 429, "{a:?}");
    assert_eq!(a.code(), 1004);
    assert!(
        a.message().contains("too many wrong admin secrets"),
        "{a:?}"
    );
    // Logins from the same address are not affected.
    let _alice = server.user("alice").await;
    server.stop().await;
}
