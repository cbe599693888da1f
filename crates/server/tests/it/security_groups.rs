//! Attacks through groups and relations: reaching someone who blocked you (or
//! who is not your friend on a friends-only server) by putting them in a group,
//! a plain member letting an outsider past an approval-only group, presence and
//! profile leaking after a block or unfriend, a blocked member's group messages
//! pushed to the blocker, an admin recalling the owner's messages, the reserved
//! `system` account made a member (and then the owner) of a group.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{ErrorCode, JoinPolicy, Push, Request, Response};

fn block(user: &str) -> Request {
    Request::Block { user: uid(user) }
}

#[tokio::test]
async fn a_blocked_user_cannot_reach_the_blocker_through_a_group() {
    let server = TestServer::start().await;
    let [mut mallory, mut bob, mut carol] = users(&server, ["mallory", "bob", "carol"]).await;
    bob.ok(block("mallory")).await;
    // Create a group with Bob in it: refused, nobody is added.
    let e = mallory
        .err(Request::CreateGroup {
            name: "trap".into(),
            members: vec![uid("bob"), uid("carol")],
            join_policy: Some(JoinPolicy::Open),
        })
        .await;
    assert_eq!(e.code, ErrorCode::Blocked, "{e}");
    assert!(get_groups(&mut carol).await.is_empty());
    // Invite him into her open group: refused.
    let g = create(&mut mallory, "open", &["carol"], Some(JoinPolicy::Open)).await;
    let invite = Request::InviteMembers {
        group: g.group.clone(),
        users: vec![uid("bob")],
    };
    assert_eq!(mallory.err_code(invite.clone()).await, ErrorCode::Blocked);
    // Bob joins on his own; Mallory's messages there are not pushed to him.
    bob.ok(Request::JoinGroup {
        group: g.group.clone(),
        message: String::new(),
    })
    .await;
    gsend(&mut carol, &g.group, "c1", "hello all").await;
    gsend(&mut mallory, &g.group, "m1", "hi bob").await;
    gsend(&mut carol, &g.group, "c2", "bye").await;
    let texts: Vec<String> = bob
        .drain_pushes(Duration::from_millis(500))
        .await
        .into_iter()
        .filter_map(|p| match p {
            Push::Message { message } => Some(format!("{:?}", message.content)),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| !t.contains("hi bob")), "{texts:?}");
    // After Bob leaves, she cannot invite him back either.
    bob.ok(Request::LeaveGroup {
        group: g.group.clone(),
    })
    .await;
    assert_eq!(mallory.err_code(invite).await, ErrorCode::Blocked);
}

#[tokio::test]
async fn on_a_friends_only_server_a_stranger_cannot_group_you() {
    let server = TestServer::start_with(|c| c.require_friendship = true).await;
    let [mut stranger, _bob] = users(&server, ["stranger", "bob"]).await;
    let e = stranger
        .err(Request::CreateGroup {
            name: "spam".into(),
            members: vec![uid("bob")],
            join_policy: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::NotFriends, "{e}");
    let g = create(&mut stranger, "spam", &[], Some(JoinPolicy::Open)).await;
    let code = stranger
        .err_code(Request::InviteMembers {
            group: g.group,
            users: vec![uid("bob")],
        })
        .await;
    assert_eq!(code, ErrorCode::NotFriends);
}

#[tokio::test]
async fn a_plain_member_cannot_let_an_outsider_into_an_approval_group() {
    let server = TestServer::start().await;
    let [mut owner, mut member, mut outsider] =
        users(&server, ["owner", "member", "outsider"]).await;
    let g = create(
        &mut owner,
        "private",
        &["member"],
        Some(JoinPolicy::Approval),
    )
    .await;
    let invite = Request::InviteMembers {
        group: g.group.clone(),
        users: vec![uid("outsider")],
    };
    assert_eq!(member.err_code(invite.clone()).await, ErrorCode::Forbidden);
    assert!(get_groups(&mut outsider).await.is_empty());
    // The owner may.
    owner.ok(invite).await;
    assert_eq!(get_groups(&mut outsider).await.len(), 1);
}

async fn presence(c: &mut common::Client, of: &str) -> bool {
    match c
        .ok(Request::GetPresence {
            users: vec![uid(of)],
        })
        .await
    {
        Response::Presence { online } => online.contains(&uid(of)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn presence_and_profile_stop_after_block_or_unfriend() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    alice.befriend(&mut bob).await;
    assert!(presence(&mut alice, "bob").await);
    // Bob blocks Alice: she no longer sees him online, nor hears of his changes.
    bob.ok(block("alice")).await;
    assert!(!presence(&mut alice, "bob").await);
    alice.drain_pushes(Duration::from_millis(200)).await;
    bob.ok(Request::SetProfile {
        nickname: Some("Robert".into()),
        avatar: None,
        signature: None,
    })
    .await;
    drop(bob);
    let heard = alice.drain_pushes(Duration::from_millis(500)).await;
    assert!(
        heard
            .iter()
            .all(|p| !format!("{p:?}").contains("Robert") && !matches!(p, Push::Presence { .. })),
        "{heard:?}"
    );
    // Unfriending on one side is enough, too.
    let mut carol = server.user("carol").await;
    let mut dave = server.user("dave").await;
    carol.befriend(&mut dave).await;
    dave.ok(Request::DeleteFriend { user: uid("carol") }).await;
    assert!(!presence(&mut carol, "dave").await);
}

#[tokio::test]
async fn an_admin_cannot_recall_the_owners_message() {
    let server = TestServer::start().await;
    let [mut owner, mut admin, mut member] = users(&server, ["owner", "admin", "member"]).await;
    let g = create(&mut owner, "g", &["admin", "member"], None).await;
    set_role(&mut owner, &g.group, "admin", tern_proto::GroupRole::Admin).await;
    let owners = gsend(&mut owner, &g.group, "o1", "owner speaks").await;
    let members = gsend(&mut member, &g.group, "m1", "member speaks").await;
    let conv = gconv(&g.group);
    let recall = |seq| Request::Recall {
        conv: conv.clone(),
        seq,
    };
    assert_eq!(admin.err_code(recall(owners)).await, ErrorCode::Forbidden);
    admin.ok(recall(members)).await;
    owner.ok(recall(owners)).await;
}

#[tokio::test]
async fn the_system_account_cannot_be_made_a_member_or_the_owner_of_a_group() {
    let server = TestServer::start().await;
    let [mut alice] = users(&server, ["alice"]).await;
    let e = alice
        .err(Request::CreateGroup {
            name: "with system".into(),
            members: vec![uid("system")],
            join_policy: None,
        })
        .await;
    assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
    assert!(e.message.contains("reserved `system`"), "{e}");
    let g = create(&mut alice, "team", &[], Some(JoinPolicy::Open)).await;
    for req in [
        Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("system")],
        },
        Request::TransferGroup {
            group: g.group.clone(),
            to: uid("system"),
        },
    ] {
        let e = alice.err(req).await;
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{e}");
    }
    let members = alice
        .ok(Request::GetGroupMembers {
            group: g.group.clone(),
        })
        .await;
    let Response::GroupMembers { members } = members else {
        panic!("{members:?}")
    };
    assert_eq!(members.len(), 1, "{members:?}");
}

/// Attack: apply to join a group run by someone who blocked you, with the words
/// you want them to read as the application's message (again after each refusal).
/// The application reaches only the managers who have not blocked you.
#[tokio::test]
async fn a_blocked_user_cannot_reach_the_blocker_through_a_join_application() {
    use tern_proto::Change;
    let server = TestServer::start().await;
    let [mut bob, mut carol, mut mallory] = users(&server, ["bob", "carol", "mallory"]).await;
    let g = create(&mut bob, "approval only", &["carol"], None).await;
    bob.ok(Request::SetMemberRole {
        group: g.group.clone(),
        user: uid("carol"),
        role: tern_proto::GroupRole::Admin,
    })
    .await;
    bob.ok(block("mallory")).await;
    bob.drain_pushes(Duration::from_millis(200)).await;
    let joined = mallory
        .ok(Request::JoinGroup {
            group: g.group.clone(),
            message: "read this, bob".into(),
        })
        .await;
    assert_eq!(joined, Response::GroupJoin { joined: false });
    // Carol, an admin who did not block her, hears of it; bob does not.
    let v = change_where(&mut carol, |c| {
        matches!(c, Change::GroupApplicationAdded { .. })
    })
    .await;
    assert!(format!("{v:?}").contains("read this, bob"));
    let pushes = bob.drain_pushes(Duration::from_millis(500)).await;
    assert!(
        !pushes
            .iter()
            .any(|p| format!("{p:?}").contains("read this")),
        "{pushes:?}"
    );
    let list = Request::ListGroupApplications {
        group: g.group.clone(),
    };
    let Response::GroupApplications { applications } = bob.ok(list.clone()).await else {
        panic!()
    };
    assert!(applications.is_empty(), "{applications:?}");
    let Response::GroupApplications { applications } = carol.ok(list).await else {
        panic!()
    };
    assert_eq!(applications.len(), 1);
    // Carol refuses it: bob is not told of that either.
    carol
        .ok(Request::RefuseGroupApplication {
            group: g.group.clone(),
            user: uid("mallory"),
        })
        .await;
    let pushes = bob.drain_pushes(Duration::from_millis(500)).await;
    assert!(
        !pushes
            .iter()
            .any(|p| format!("{p:?}").contains("read this")),
        "{pushes:?}"
    );
}
