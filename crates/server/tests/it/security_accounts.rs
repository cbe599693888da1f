//! A user's own account: changing the password and signing out every other
//! device end the other sessions at once, and a stolen session cannot guess
//! the password through `change_password`.

use crate::common;

use common::{uid, Client, TestServer, PASSWORD};
use tern_proto::{DeviceId, ErrorCode, KickReason, Platform, Push, Request};

fn change(old: &str, new: &str) -> Request {
    Request::ChangePassword {
        old_password: old.into(),
        new_password: new.into(),
    }
}

async fn kicked(c: &mut Client) -> KickReason {
    match c.push_where(|p| matches!(p, Push::Kicked { .. })).await {
        Push::Kicked { reason } => reason,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn changing_the_password_signs_out_the_other_devices_only() {
    let server = TestServer::start().await;
    let mut laptop = server.device("alice", "laptop", Platform::Desktop).await;
    let mut phone = server.device("alice", "phone", Platform::Mobile).await;
    let phone_token = phone.token.clone().unwrap();
    let e = laptop.err(change("not it", "a brand new password")).await;
    assert_eq!(e.code, ErrorCode::BadCredentials);
    assert_eq!(
        laptop.err_code(change(PASSWORD, "short")).await,
        ErrorCode::InvalidArgument
    );
    laptop.ok(change(PASSWORD, "a brand new password")).await;
    assert_eq!(kicked(&mut phone).await, KickReason::PasswordChanged);
    assert!(phone.closed().await.is_some());
    laptop.ok(Request::Ping).await;
    laptop.ok(Request::GetFriends { users: None }).await;
    let mut again = Client::greeted(server.addr()).await;
    assert_eq!(
        again.resume(&phone_token).await.unwrap_err().code,
        ErrorCode::TokenInvalid
    );
    let login = |pw: &str| Request::Login {
        user: uid("alice"),
        password: pw.into(),
        platform: Platform::Desktop,
        device: DeviceId::new("x").unwrap(),
    };
    assert_eq!(
        again.err_code(login(PASSWORD)).await,
        ErrorCode::BadCredentials
    );
    again.ok(login("a brand new password")).await;
}

#[tokio::test]
async fn a_stolen_session_cannot_guess_the_password() {
    let server = TestServer::start_with(|c| c.security.login_max_failures = 3).await;
    let mut stolen = server.user("alice").await;
    for i in 0..3 {
        let code = stolen
            .err_code(change(&format!("guess{i}"), "attacker password"))
            .await;
        assert_eq!(code, ErrorCode::BadCredentials);
    }
    assert_eq!(
        stolen.err_code(change(PASSWORD, "attacker password")).await,
        ErrorCode::RateLimited,
        "locked like a login, even with the right password"
    );
}

#[tokio::test]
async fn sign_out_others_ends_every_other_session() {
    let server = TestServer::start().await;
    let mut me = server.device("alice", "laptop", Platform::Desktop).await;
    let mut phone = server.device("alice", "phone", Platform::Mobile).await;
    let mut tablet = server.device("alice", "tablet", Platform::Web).await;
    let tokens = [phone.token.clone().unwrap(), tablet.token.clone().unwrap()];
    me.ok(Request::SignOutOthers).await;
    assert_eq!(kicked(&mut phone).await, KickReason::LoggedOut);
    assert_eq!(kicked(&mut tablet).await, KickReason::LoggedOut);
    for t in tokens {
        let mut c = Client::greeted(server.addr()).await;
        assert_eq!(
            c.resume(&t).await.unwrap_err().code,
            ErrorCode::TokenInvalid
        );
    }
    me.ok(Request::Ping).await;
    let mine = me.token.clone().unwrap();
    let mut c = Client::greeted(server.addr()).await;
    c.resume(&mine).await.unwrap();
}
