//! Attack: flood a stranger with friend applications, or friends and the
//! writer with profile changes. Each `apply_friend` (a re-ask of a pending
//! one too) pushed `friend_application_added` to the target's devices and
//! queued a `friend.applied` webhook event; each `set_profile` writes a
//! change-log entry for every friend. The connection's rate limit was the
//! only bound. Both now come out of a per-user budget
//! (`social_actions_per_minute`, all devices together).

use crate::common;

use std::time::Duration;

use common::{uid, TestServer};
use tern_proto::{Change, ErrorCode, Platform, Push, Request};

fn apply(to: &str, greeting: &str) -> Request {
    Request::ApplyFriend {
        to: uid(to),
        greeting: greeting.into(),
    }
}

fn rename(nickname: &str) -> Request {
    Request::SetProfile {
        nickname: Some(nickname.into()),
        avatar: None,
        signature: None,
    }
}

#[tokio::test]
async fn applications_and_profile_changes_come_out_of_a_per_user_budget() {
    let server = TestServer::start_with(|c| c.social_actions_per_minute = 4).await;
    let mut m1 = server.device("mallory", "m1", Platform::Desktop).await;
    let mut m2 = server.device("mallory", "m2", Platform::Mobile).await;
    let mut victim = server.user("victim").await;
    let mut carol = server.user("carol").await;
    m1.ok(apply("victim", "hi")).await; // 1
    m1.ok(apply("victim", "hi again")).await; // 2: a re-ask
    m2.ok(apply("victim", "please")).await; // 3, another device
    m2.ok(rename("Mal")).await; // 4: profile changes share it
    let over = m1.err(apply("victim", "answer me")).await;
    assert_eq!(over.code, ErrorCode::RateLimited, "{over:?}");
    assert!(
        over.message
            .contains("4 friend applications and profile changes per minute"),
        "{over:?}"
    );
    assert_eq!(m2.err_code(rename("Mal2")).await, ErrorCode::RateLimited);
    // The victim heard of the three applications, not of the refused one.
    let heard = victim
        .drain_pushes(Duration::from_millis(500))
        .await
        .into_iter()
        .filter(|p| matches!(p, Push::Change(v) if matches!(v.change, Change::FriendApplicationAdded { .. })))
        .count();
    assert_eq!(heard, 3);
    // Other users have their own budget; reads are not counted.
    carol.ok(apply("victim", "hello")).await;
    m1.ok(Request::ListSentApplications).await;
    server.stop().await;
}
