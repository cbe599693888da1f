//! Attack: keep the database writer busy through a big group. Every group
//! change writes one change-log entry per member (a notice change in a group
//! of 2,000 is 2,000 rows of ~4 KB), and the connection's rate limit (50 a
//! second, per connection) was the only bound, so one account with a few
//! connections asked for hundreds of megabytes of writes a second. Group
//! changes now come out of a per-user budget (`group_actions_per_minute`,
//! all devices together); reading groups is not counted.

use crate::common;
use crate::groups_support;

use common::TestServer;
use groups_support::*;
use tern_proto::{ErrorCode, Platform, Request};

fn rename(g: &tern_proto::GroupId, name: &str) -> Request {
    Request::UpdateGroup {
        group: g.clone(),
        name: Some(name.into()),
        avatar: None,
        notice: None,
        join_policy: None,
        history_visible: None,
        read_by: None,
    }
}

#[tokio::test]
async fn group_changes_come_out_of_a_per_user_budget_shared_by_devices() {
    let server = TestServer::start_with(|c| c.group_actions_per_minute = 5).await;
    let mut a1 = server.device("alice", "a1", Platform::Desktop).await;
    let mut a2 = server.device("alice", "a2", Platform::Mobile).await;
    let mut bob = server.user("bob").await;
    let g = create(&mut a1, "g", &["bob"], None).await.group; // 1
    for i in 0..3 {
        a1.ok(rename(&g, &format!("n{i}"))).await; // 2, 3, 4
    }
    a2.ok(rename(&g, "from the phone")).await; // 5, another device
    let msg = fails(&mut a2, rename(&g, "over"), ErrorCode::RateLimited).await;
    assert!(msg.contains("5 group changes per minute"), "{msg}");
    fails(&mut a1, rename(&g, "over"), ErrorCode::RateLimited).await;
    // Reads are not counted; other users have their own budget.
    a1.ok(Request::GetGroupMembers { group: g.clone() }).await;
    bob.ok(Request::LeaveGroup { group: g.clone() }).await;
}

/// Joining a chat room answers its kept messages (up to 50 of 64 KiB, read on
/// the writer); joining again and again, which is allowed, cost the server far
/// more than the requests. Room joins and leaves share the budget.
#[tokio::test]
async fn room_joins_and_leaves_share_the_budget() {
    let server = TestServer::start_with(|c| c.group_actions_per_minute = 3).await;
    let mut owner = server.user("owner").await;
    let room = match owner
        .ok(Request::CreateRoom {
            name: "lobby".into(),
        })
        .await
    {
        tern_proto::Response::Room { room } => room.room,
        other => panic!("{other:?}"),
    };
    let mut eve = server.user("eve").await;
    let join = || Request::JoinRoom { room: room.clone() };
    eve.ok(join()).await;
    eve.ok(join()).await; // joining again is allowed, and counted
    eve.ok(Request::LeaveRoom { room: room.clone() }).await;
    let msg = fails(&mut eve, join(), ErrorCode::RateLimited).await;
    assert!(msg.contains("per minute"), "{msg}");
}
