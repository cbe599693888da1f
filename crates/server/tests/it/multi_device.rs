//! Each multi-device policy: the displaced device is pushed `kicked` and its
//! token is refused afterwards; devices the policy allows stay connected.

use crate::common;

use common::*;
use tern_proto::{ErrorCode, KickReason, Platform, Push, Request, Response};
use tern_server::MultiDevicePolicy;

async fn assert_kicked(c: &mut Client) {
    let close = c.closed().await.expect("close frame after the kick");
    assert_eq!(u16::from(close.code), 4001);
    assert_eq!(
        c.drain_pushes(std::time::Duration::ZERO).await,
        vec![Push::Kicked {
            reason: KickReason::OtherDevice
        }]
    );
}

async fn assert_token_refused(server: &TestServer, token: &str) {
    let mut c = Client::greeted(server.addr()).await;
    assert_eq!(
        c.resume(token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
}

async fn assert_alive(c: &mut Client) {
    assert!(matches!(c.ok(Request::Ping).await, Response::Pong { .. }));
    assert_eq!(
        c.ok(Request::ListBlocked).await,
        Response::Blocked { users: vec![] }
    );
}

#[tokio::test]
async fn policy_all_keeps_every_session() {
    let server = TestServer::start_with(|c| c.multi_device = MultiDevicePolicy::All).await;
    let mut d1 = server.device("alice", "d1", Platform::Desktop).await;
    let mut d2 = server.device("alice", "d2", Platform::Desktop).await;
    let mut m1 = server.device("alice", "m1", Platform::Mobile).await;
    for c in [&mut d1, &mut d2, &mut m1] {
        assert_alive(c).await;
    }
    let mut fresh = Client::greeted(server.addr()).await;
    assert!(fresh.resume(d1.token.as_ref().unwrap()).await.is_ok());
    server.stop().await;
}

#[tokio::test]
async fn policy_per_platform_displaces_the_same_class_only() {
    let server = TestServer::start_with(|c| c.multi_device = MultiDevicePolicy::PerPlatform).await;
    let mut desk1 = server.device("alice", "desk1", Platform::Desktop).await;
    let mut phone = server.device("alice", "phone", Platform::Mobile).await;
    let mut web = server.device("alice", "web", Platform::Web).await;
    let old_token = desk1.token.clone().unwrap();
    let mut desk2 = server.device("alice", "desk2", Platform::Desktop).await;
    assert_kicked(&mut desk1).await;
    assert_token_refused(&server, &old_token).await;
    for c in [&mut phone, &mut web, &mut desk2] {
        assert_alive(c).await;
    }
    // A second phone displaces the first phone, not the desktop.
    let phone_token = phone.token.clone().unwrap();
    let _phone2 = server.device("alice", "phone2", Platform::Mobile).await;
    assert_kicked(&mut phone).await;
    assert_token_refused(&server, &phone_token).await;
    assert_alive(&mut desk2).await;
    server.stop().await;
}

#[tokio::test]
async fn policy_single_displaces_every_other_session() {
    let server = TestServer::start_with(|c| c.multi_device = MultiDevicePolicy::Single).await;
    let mut desk = server.device("alice", "desk", Platform::Desktop).await;
    let mut bob = server.user("bob").await;
    let desk_token = desk.token.clone().unwrap();
    let mut phone = server.device("alice", "phone", Platform::Mobile).await;
    assert_kicked(&mut desk).await;
    assert_token_refused(&server, &desk_token).await;
    assert_alive(&mut phone).await;
    assert_alive(&mut bob).await;
    server.stop().await;
}
