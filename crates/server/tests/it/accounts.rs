//! Accounts and sessions: register, login, wrong password, duplicate user,
//! logout → token refused, token expiry → its own code, relogin, handshake order.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{DeviceId, ErrorCode, Platform, Request, Response, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn login_req(user: &str, password: &str) -> Request {
    Request::Login {
        user: uid(user),
        password: password.into(),
        platform: Platform::Desktop,
        device: DeviceId::new("d1").unwrap(),
    }
}

fn token_of(res: &Response) -> String {
    match res {
        Response::Session { token, .. } => token.clone(),
        other => panic!("expected a session, got {other:?}"),
    }
}

#[tokio::test]
async fn register_login_wrong_password_and_duplicate_user() {
    let server = TestServer::start().await;
    let mut c = Client::greeted(server.addr()).await;
    assert_eq!(c.ok(register("alice")).await, Response::Done);
    assert_eq!(c.err_code(register("alice")).await, ErrorCode::UserExists);
    let short = Request::Register {
        user: uid("bob"),
        password: "short".into(),
    };
    assert_eq!(c.err_code(short).await, ErrorCode::InvalidArgument);
    assert_eq!(
        c.err_code(login_req("alice", "not the password")).await,
        ErrorCode::BadCredentials
    );
    assert_eq!(
        c.err_code(login_req("nobody", PASSWORD)).await,
        ErrorCode::BadCredentials
    );

    let res = c.login("alice", "d1", Platform::Desktop).await.unwrap();
    let Response::Session {
        profile,
        expires_at,
        version,
        ..
    } = &res
    else {
        panic!("{res:?}")
    };
    assert_eq!(profile.user, uid("alice"));
    assert!(*expires_at > 0);
    assert_eq!(*version, 0);
    assert!(matches!(c.ok(Request::Ping).await, Response::Pong { .. }));
    assert_eq!(
        c.err_code(login_req("alice", PASSWORD)).await,
        ErrorCode::AlreadyAuthenticated
    );

    // The token works on a second connection.
    let mut other = Client::greeted(server.addr()).await;
    assert!(matches!(
        other.resume(&token_of(&res)).await.unwrap(),
        Response::Session { .. }
    ));
    server.handle.shutdown().await;
}

#[tokio::test]
async fn logout_revokes_the_token_and_relogin_works() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let token = c.token.clone().unwrap();
    assert_eq!(c.ok(Request::Logout).await, Response::Done);
    // The connection survives, logged out.
    assert_eq!(
        c.err_code(Request::ListBlocked).await,
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        c.err(Request::Resume {
            token: token.clone(),
            platform: Platform::Desktop,
            device: DeviceId::new("d1").unwrap(),
        })
        .await
        .code,
        ErrorCode::TokenInvalid
    );
    let mut fresh = Client::greeted(server.addr()).await;
    assert_eq!(
        fresh.resume(&token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );

    // Log in again on the same connection: a new token that works.
    let res = c.login("alice", "dev", Platform::Desktop).await.unwrap();
    let new_token = token_of(&res);
    assert_ne!(new_token, token);
    let mut again = Client::greeted(server.addr()).await;
    assert!(again.resume(&new_token).await.is_ok());
    server.handle.shutdown().await;
}

#[tokio::test]
async fn expired_token_gets_its_own_code() {
    let server = TestServer::start_with(|c| c.token_ttl = Duration::from_secs(1)).await;
    let c = server.user("alice").await;
    let token = c.token.clone().unwrap();
    let mut early = Client::greeted(server.addr()).await;
    assert!(early.resume(&token).await.is_ok(), "fresh token works");
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let mut late = Client::greeted(server.addr()).await;
    let e = late.resume(&token).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::TokenExpired, "{e}");
    // Relogin gives a fresh token.
    let res = late.login("alice", "dev", Platform::Desktop).await.unwrap();
    let mut third = Client::greeted(server.addr()).await;
    assert!(third.resume(&token_of(&res)).await.is_ok());
    server.handle.shutdown().await;
}

#[tokio::test]
async fn forged_and_garbage_tokens_are_invalid() {
    let server = TestServer::start().await;
    let c = server.user("alice").await;
    let token = c.token.clone().unwrap();
    let mut x = Client::greeted(server.addr()).await;
    let (body, _sig) = token.split_once('.').unwrap();
    let forged = format!("{body}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(
        x.resume(&forged).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    assert_eq!(
        x.resume("garbage").await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    // A token signed by another server's secret.
    let other = TestServer::start().await;
    let foreign = other.user("alice").await.token.unwrap();
    assert_eq!(
        x.resume(&foreign).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    server.handle.shutdown().await;
    other.handle.shutdown().await;
}

#[tokio::test]
async fn handshake_order_is_enforced() {
    let server = TestServer::start().await;
    let mut c = Client::connect(server.addr()).await;
    assert_eq!(
        c.err_code(Request::Ping).await,
        ErrorCode::HandshakeRequired
    );
    assert_eq!(
        c.err_code(register("alice")).await,
        ErrorCode::HandshakeRequired
    );
    let hello = c
        .ok(Request::Hello {
            version: PROTOCOL_VERSION,
        })
        .await;
    let Response::Hello {
        version, limits, ..
    } = hello
    else {
        panic!()
    };
    assert_eq!(version, PROTOCOL_VERSION);
    assert_eq!(limits.recall_window_secs, 120);
    assert!(matches!(c.ok(Request::Ping).await, Response::Pong { .. }));
    assert_eq!(
        c.err_code(Request::ListBlocked).await,
        ErrorCode::Unauthenticated
    );
    assert_eq!(
        c.err_code(Request::Logout).await,
        ErrorCode::Unauthenticated
    );

    let mut old = Client::connect(server.addr()).await;
    assert_eq!(
        old.err_code(Request::Hello { version: 999 }).await,
        ErrorCode::VersionMismatch
    );
    let close = old.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4003);
    server.handle.shutdown().await;
}

#[tokio::test]
async fn health_reports_ok_and_connections() {
    let server = TestServer::start().await;
    let _c = server.user("alice").await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    tcp.read_to_string(&mut body).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains(r#""status":"ok""#), "{body}");
    assert!(body.contains(r#""connections":1"#), "{body}");
    server.handle.shutdown().await;
}

#[tokio::test]
async fn idle_connections_are_closed_and_pings_keep_them_open() {
    let server = TestServer::start_with(|c| c.idle_timeout = Duration::from_secs(1)).await;
    let mut c = Client::greeted(server.addr()).await;
    // Heartbeats for twice the idle timeout keep the connection open...
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(matches!(c.ok(Request::Ping).await, Response::Pong { .. }));
    }
    // ...and silence closes it.
    let close = c.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4000);
    server.handle.shutdown().await;
}

#[tokio::test]
async fn a_backend_minted_token_logs_in_and_follows_the_policy() {
    use tern_server::auth::{Claims, TokenKey};
    let secret = "ab".repeat(32);
    let server = TestServer::start_with(|c| {
        c.token_secret = Some(secret.clone());
        c.multi_device = tern_server::MultiDevicePolicy::Single;
    })
    .await;
    let mut first = server.user("alice").await;
    let key = TokenKey::new(&hex_decode(&secret));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let minted = key.sign(&Claims {
        user: uid("alice"),
        session: "backend-1".into(),
        expires_at: now + 60_000,
    });
    let mut c = Client::greeted(server.addr()).await;
    let Response::Session { profile, .. } = c.resume(&minted).await.unwrap() else {
        panic!()
    };
    assert_eq!(profile.user, uid("alice"));
    // Under the single-session policy the minted session displaced the login.
    let close = first.closed().await.expect("kicked");
    assert_eq!(u16::from(close.code), 4001);
    // A token for a user that does not exist is refused.
    let ghost = key.sign(&Claims {
        user: uid("ghost"),
        session: "backend-2".into(),
        expires_at: now + 60_000,
    });
    let mut g = Client::greeted(server.addr()).await;
    assert_eq!(
        g.resume(&ghost).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    server.stop().await;
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn shutdown_closes_connections_with_1001() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    server.stop().await;
    let close = c.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1001);
}
