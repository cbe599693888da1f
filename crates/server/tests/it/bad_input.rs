//! Bad input: each gets a clear error (or a clean close for frame-level ones),
//! the connection survives where it should, and other clients are unaffected.

use crate::common;

use common::*;
use tern_proto::{ErrorCode, ServerFrame};
use tokio_tungstenite::tungstenite::Message;

/// Sends raw text and returns the error frame it produced.
async fn raw_err(c: &mut Client, text: &str) -> (Option<u64>, ErrorCode, String) {
    c.send_text(text).await;
    match c.frame().await {
        ServerFrame::Err { id, err } => (id.map(|i| i.0), err.code, err.message),
        other => panic!("expected an error for {text:?}, got {other:?}"),
    }
}

async fn still_serves(c: &mut Client) {
    assert!(matches!(
        c.ok(tern_proto::Request::Ping).await,
        tern_proto::Response::Pong { .. }
    ));
}

#[tokio::test]
async fn malformed_frames_get_clear_errors_and_the_connection_survives() {
    let server = TestServer::start().await;
    let mut c = server.user("alice").await;
    let _bob = server.user("bob").await;

    assert_eq!(
        raw_err(&mut c, "this is not json").await.1,
        ErrorCode::BadFrame
    );
    assert_eq!(raw_err(&mut c, "[1,2,3]").await.1, ErrorCode::BadFrame);
    assert_eq!(
        raw_err(&mut c, r#"{"req":{"cmd":"ping"}}"#).await.1,
        ErrorCode::BadFrame
    );
    let (id, code, _) = raw_err(&mut c, r#"{"id":7,"req":{"cmd":"teleport"}}"#).await;
    assert_eq!((id, code), (Some(7), ErrorCode::UnknownCommand));
    let (id, code, msg) = raw_err(&mut c, r#"{"id":8,"req":{"cmd":"apply_friend"}}"#).await;
    assert_eq!((id, code), (Some(8), ErrorCode::InvalidArgument));
    assert!(msg.contains("to"), "names the missing field: {msg}");
    let (id, code, _) = raw_err(
        &mut c,
        r#"{"id":9,"req":{"cmd":"block","user":"../../etc/passwd"}}"#,
    )
    .await;
    assert_eq!((id, code), (Some(9), ErrorCode::InvalidArgument));
    let (_, code, _) = raw_err(
        &mut c,
        r#"{"id":10,"req":{"cmd":"pull","conv":"d:alice:alice","from":1,"to":2}}"#,
    )
    .await;
    assert_eq!(code, ErrorCode::InvalidArgument);
    let (_, code, _) = raw_err(
        &mut c,
        r#"{"id":11,"req":{"cmd":"apply_friend","to":"nobody"}}"#,
    )
    .await;
    assert_eq!(code, ErrorCode::NotFound, "unknown user id");
    let (_, code, _) = raw_err(
        &mut c,
        r#"{"id":12,"req":{"cmd":"pull","conv":"d:bob:carol","from":1,"to":2}}"#,
    )
    .await;
    assert_eq!(
        code,
        ErrorCode::Forbidden,
        "reading someone else's conversation"
    );
    let long = "x".repeat(9000);
    let send = format!(
        r#"{{"id":13,"req":{{"cmd":"send","conv":"d:alice:bob","client_id":"c1","content":{{"type":"text","text":"{long}"}}}}}}"#
    );
    assert_eq!(raw_err(&mut c, &send).await.1, ErrorCode::TooLarge);

    c.send_raw(Message::binary(vec![0u8, 1, 2])).await;
    match c.frame().await {
        ServerFrame::Err { id: None, err } => assert_eq!(err.code, ErrorCode::BadFrame),
        other => panic!("{other:?}"),
    }
    still_serves(&mut c).await;
    server.stop().await;
}

#[tokio::test]
async fn requests_before_authentication_are_refused() {
    let server = TestServer::start().await;
    let mut c = Client::connect(server.addr()).await;
    let (id, code, _) = raw_err(&mut c, r#"{"id":1,"req":{"cmd":"list_blocked"}}"#).await;
    assert_eq!((id, code), (Some(1), ErrorCode::HandshakeRequired));
    let mut c = Client::greeted(server.addr()).await;
    for cmd in [
        r#"{"cmd":"conversations"}"#,
        r#"{"cmd":"send","conv":"d:a:b","client_id":"x","content":{"type":"text","text":"hi"}}"#,
        r#"{"cmd":"sync_changes","since":0}"#,
        r#"{"cmd":"get_profiles","users":["a"]}"#,
    ] {
        let (_, code, _) = raw_err(&mut c, &format!(r#"{{"id":2,"req":{cmd}}}"#)).await;
        assert_eq!(code, ErrorCode::Unauthenticated, "{cmd}");
    }
    server.stop().await;
}

#[tokio::test]
async fn an_oversize_frame_closes_cleanly_and_others_keep_going() {
    let server = TestServer::start_with(|c| c.max_frame_bytes = 16 * 1024).await;
    let mut big = server.user("alice").await;
    let mut other = server.user("bob").await;
    big.send_text(&"x".repeat(32 * 1024)).await;
    let close = big.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 1009);
    still_serves(&mut other).await;
    server.stop().await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_and_the_connection_survives() {
    let server = TestServer::start_with(|c| {
        c.rate_per_sec = 20.0;
        c.rate_burst = 20.0;
    })
    .await;
    let mut flooder = server.user("alice").await;
    let mut bystander = server.user("bob").await;
    for i in 0..300u64 {
        flooder
            .send_text(&format!(r#"{{"id":{},"req":{{"cmd":"ping"}}}}"#, 1000 + i))
            .await;
    }
    let (mut ok, mut limited) = (0, 0);
    for _ in 0..300 {
        match flooder.frame().await {
            ServerFrame::Ok { .. } => ok += 1,
            ServerFrame::Err { err, .. } if err.code == ErrorCode::RateLimited => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ok + limited, 300, "every request got exactly one answer");
    // The burst (20, minus the 3 requests of the handshake) passes; the rest is refused.
    assert!(limited >= 250 && ok >= 17, "ok={ok} limited={limited}");
    still_serves(&mut bystander).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    still_serves(&mut flooder).await;
    server.stop().await;
}

/// An unknown value in an enum field is `InvalidArgument` naming the field and
/// the value; only an unknown `cmd` is `UnknownCommand` (issue 24, item 1).
#[tokio::test]
async fn an_unknown_enum_value_is_an_invalid_argument_not_an_unknown_command() {
    let server = TestServer::start().await;
    let mut greeted = Client::greeted(server.addr()).await;
    let (id, code, msg) = raw_err(
        &mut greeted,
        r#"{"id":1,"req":{"cmd":"login","user":"alice","password":"correct horse","platform":"toaster","device":"d1"}}"#,
    )
    .await;
    assert_eq!((id, code), (Some(1), ErrorCode::InvalidArgument), "{msg}");
    assert!(
        msg.contains("`platform`") && msg.contains("`toaster`"),
        "{msg}"
    );

    let mut c = server.user("alice").await;
    let _bob = server.user("bob").await;
    let (id, code, msg) = raw_err(
        &mut c,
        r#"{"id":2,"req":{"cmd":"send","conv":"d:alice:bob","client_id":"c1","content":{"type":"nope","text":"hi"}}}"#,
    )
    .await;
    assert_eq!((id, code), (Some(2), ErrorCode::InvalidArgument), "{msg}");
    assert!(
        msg.contains("`content.type`") && msg.contains("`nope`"),
        "{msg}"
    );
    let (id, code, msg) = raw_err(
        &mut c,
        r#"{"id":3,"req":{"cmd":"create_group","name":"Climbing","join_policy":"everyone"}}"#,
    )
    .await;
    assert_eq!((id, code), (Some(3), ErrorCode::InvalidArgument), "{msg}");
    assert!(
        msg.contains("`join_policy`") && msg.contains("`everyone`"),
        "{msg}"
    );
    let (id, code, msg) = raw_err(&mut c, r#"{"id":4,"req":{"cmd":"toaster"}}"#).await;
    assert_eq!((id, code), (Some(4), ErrorCode::UnknownCommand), "{msg}");
    still_serves(&mut c).await;
    server.stop().await;
}
