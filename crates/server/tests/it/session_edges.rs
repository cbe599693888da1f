//! Session edges: `logout` ends every connection that resumed the same session
//! (a `kicked` push with reason `logged_out`, close 4001), not other sessions of
//! the user; a token that expires while its connection is open ends that
//! connection (`kicked` with `token_expired`, close 4001), and resuming it
//! afterwards fails with `TokenExpired`.

use crate::common;

use std::time::Duration;

use common::*;
use tern_proto::{ErrorCode, KickReason, Platform, Push, Request, Response};

#[tokio::test]
async fn logout_kicks_every_connection_of_the_session_only() {
    let server = TestServer::start().await;
    let mut c1 = server.user("alice").await;
    let token = c1.token.clone().unwrap();
    let mut c2 = Client::greeted(server.addr()).await;
    c2.resume(&token).await.unwrap();
    // Another session of the same user (policy `all` in tests) is not affected.
    let mut other = server.device("alice", "phone", Platform::Mobile).await;

    assert_eq!(c1.ok(Request::Logout).await, Response::Done);
    let close = c2.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4001);
    assert_eq!(
        c2.push().await,
        Push::Kicked {
            reason: KickReason::LoggedOut
        }
    );
    // The caller stays connected, greeted; the token is dead everywhere.
    assert!(matches!(c1.ok(Request::Ping).await, Response::Pong { .. }));
    assert_eq!(
        c1.err_code(Request::Conversations).await,
        ErrorCode::Unauthenticated
    );
    let mut c3 = Client::greeted(server.addr()).await;
    assert_eq!(
        c3.resume(&token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    assert!(other
        .drain_pushes(Duration::from_millis(300))
        .await
        .is_empty());
    assert!(matches!(
        other.ok(Request::Conversations).await,
        Response::Conversations { .. }
    ));
}

#[tokio::test]
async fn a_token_expiring_while_connected_ends_the_session() {
    let server = TestServer::start_with(|c| c.token_ttl = Duration::from_secs(1)).await;
    let mut c = server.user("alice").await;
    let token = c.token.clone().unwrap();
    let close = c.closed().await.expect("a close frame at expiry");
    assert_eq!(u16::from(close.code), 4001);
    assert_eq!(
        c.push().await,
        Push::Kicked {
            reason: KickReason::TokenExpired
        }
    );
    let mut again = Client::greeted(server.addr()).await;
    assert_eq!(
        again.resume(&token).await.unwrap_err().code,
        ErrorCode::TokenExpired
    );
}
