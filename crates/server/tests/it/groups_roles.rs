//! Roles: only the owner sets roles and transfers ownership; mutes follow the
//! same hierarchy as kicks.

use crate::common;
use crate::groups_support;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{Change, ErrorCode, GroupRole, Request, Response};

#[tokio::test]
async fn only_the_owner_sets_roles_and_everyone_hears_role_changed() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Roles", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    let set = |u: &str, role| Request::SetMemberRole {
        group: gid.clone(),
        user: uid(u),
        role,
    };
    fails(
        &mut bob,
        set("carol", GroupRole::Admin),
        ErrorCode::Forbidden,
    )
    .await;
    alice.ok(set("bob", GroupRole::Admin)).await;
    let expected = Change::GroupRoleChanged {
        group: gid.clone(),
        user: uid("bob"),
        role: GroupRole::Admin,
        by: uid("alice"),
    };
    for c in [&mut alice, &mut bob, &mut carol] {
        hears(c, &expected).await;
    }
    // An admin may not set roles either.
    fails(
        &mut bob,
        set("carol", GroupRole::Admin),
        ErrorCode::Forbidden,
    )
    .await;
    fails(
        &mut alice,
        set("carol", GroupRole::Owner),
        ErrorCode::InvalidArgument,
    )
    .await;
    fails(
        &mut alice,
        set("alice", GroupRole::Member),
        ErrorCode::SelfTarget,
    )
    .await;
    fails(
        &mut alice,
        set("nobody", GroupRole::Admin),
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(
        role_of(&mut carol, &gid, "bob").await,
        Some(GroupRole::Admin)
    );
    alice.ok(set("bob", GroupRole::Member)).await;
    assert_eq!(
        role_of(&mut carol, &gid, "bob").await,
        Some(GroupRole::Member)
    );
    server.stop().await;
}

#[tokio::test]
async fn only_the_owner_transfers_and_the_old_owner_becomes_admin() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    server.user("eve").await;
    let g = create(&mut alice, "Transfer", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    let to = |u: &str| Request::TransferGroup {
        group: gid.clone(),
        to: uid(u),
    };
    fails(&mut bob, to("bob"), ErrorCode::Forbidden).await;
    fails(&mut alice, to("eve"), ErrorCode::NotFound).await;
    fails(&mut alice, to("alice"), ErrorCode::SelfTarget).await;
    alice.ok(to("bob")).await;
    let v = change_where(&mut carol, |c| matches!(c, Change::GroupInfoChanged { .. })).await;
    let Change::GroupInfoChanged { group, by } = v.change else {
        unreachable!()
    };
    assert_eq!((group.owner.as_str(), by.as_str()), ("bob", "alice"));
    assert_eq!(
        member_ids(&mut carol, &gid).await,
        ["bob", "alice", "carol"]
    );
    assert_eq!(
        role_of(&mut carol, &gid, "alice").await,
        Some(GroupRole::Admin)
    );
    // The new owner rules; the old one is an admin now and may leave.
    fails(
        &mut alice,
        Request::DismissGroup { group: gid.clone() },
        ErrorCode::Forbidden,
    )
    .await;
    fails(&mut alice, to("carol"), ErrorCode::Forbidden).await;
    fails(
        &mut bob,
        Request::LeaveGroup { group: gid.clone() },
        ErrorCode::Forbidden,
    )
    .await;
    alice.ok(Request::LeaveGroup { group: gid.clone() }).await;
    let Response::Group { group } = carol.ok(Request::GetGroupInfo { group: gid.clone() }).await
    else {
        panic!()
    };
    assert_eq!((group.owner.as_str(), group.member_count), ("bob", 2));
    server.stop().await;
}

#[tokio::test]
async fn mutes_follow_the_hierarchy_and_everyone_hears_member_muted() {
    let server = TestServer::start().await;
    // alice: owner, bob: admin, carol: admin, dave: member
    let [mut alice, mut bob, mut carol, mut dave] =
        users(&server, ["alice", "bob", "carol", "dave"]).await;
    let g = create(&mut alice, "Mutes", &["bob", "carol", "dave"], None).await;
    joined(&mut [&mut bob, &mut carol, &mut dave], &g.group).await;
    let gid = g.group.clone();
    for u in ["bob", "carol"] {
        set_role(&mut alice, &gid, u, GroupRole::Admin).await;
    }
    let mute = |u: &str, minutes| Request::MuteMember {
        group: gid.clone(),
        user: uid(u),
        minutes,
    };
    fails(&mut dave, mute("carol", 5), ErrorCode::Forbidden).await;
    fails(&mut bob, mute("alice", 5), ErrorCode::Forbidden).await;
    fails(&mut bob, mute("carol", 5), ErrorCode::Forbidden).await;
    fails(&mut alice, mute("alice", 5), ErrorCode::Forbidden).await;
    bob.ok(mute("dave", 5)).await;
    for c in [&mut alice, &mut carol, &mut dave] {
        let v = change_where(c, |ch| matches!(ch, Change::GroupMemberMuted { .. })).await;
        let Change::GroupMemberMuted {
            user, until, by, ..
        } = v.change
        else {
            unreachable!()
        };
        assert_eq!((user.as_str(), by.as_str()), ("dave", "bob"));
        assert!(until.is_some_and(|t| t > tern_server::storage::now_ms() + 4 * 60_000));
    }
    fails(&mut dave, gtext(&gid, "d1", "hm"), ErrorCode::Muted).await;
    // The owner may mute an admin.
    alice.ok(mute("carol", 1)).await;
    fails(&mut carol, gtext(&gid, "c1", "hm"), ErrorCode::Muted).await;
    let Response::GroupMembers { members } = dave
        .ok(Request::GetGroupMembers { group: gid.clone() })
        .await
    else {
        panic!()
    };
    let muted: Vec<&str> = members
        .iter()
        .filter(|m| m.muted_until.is_some())
        .map(|m| m.user.as_str())
        .collect();
    assert_eq!(muted, ["carol", "dave"]);
    server.stop().await;
}
