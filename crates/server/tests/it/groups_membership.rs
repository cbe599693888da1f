//! Joining (open and by approved application), leaving, kicking and
//! dismissing, with their events and authorization rules.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{
    ApplicationState, Change, ErrorCode, GroupId, GroupRole, JoinPolicy, LeaveReason, Request,
    Response, Seq,
};

fn join(g: &GroupId, message: &str) -> Request {
    Request::JoinGroup {
        group: g.clone(),
        message: message.into(),
    }
}

#[tokio::test]
async fn an_open_group_lets_anyone_join_at_once() {
    let server = TestServer::start().await;
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    let g = create(&mut alice, "Open", &[], Some(JoinPolicy::Open)).await;
    gsend(&mut alice, &g.group, "a1", "before bob").await;
    assert_eq!(
        bob.ok(join(&g.group, "")).await,
        Response::GroupJoin { joined: true }
    );
    let v = change_where(&mut bob, |c| matches!(c, Change::GroupJoined { .. })).await;
    let Change::GroupJoined { group, member, by } = v.change else {
        unreachable!()
    };
    assert_eq!((group.member_count, member.role), (2, GroupRole::Member));
    assert_eq!(by, None, "joined an open group by himself");
    let v = change_where(&mut alice, |c| {
        matches!(c, Change::GroupMemberJoined { .. })
    })
    .await;
    assert!(
        matches!(&v.change, Change::GroupMemberJoined { member, by: None, .. } if member.user.as_str() == "bob"),
        "{v:?}"
    );
    fails(&mut bob, join(&g.group, ""), ErrorCode::AlreadyMember).await;
    // A newcomer starts with nothing unread but may read the history.
    let conversations = get_conversations(&mut bob).await;
    assert_eq!(
        (conversations[0].max_seq, conversations[0].unread),
        (Seq(1), 0)
    );
    gsend(&mut bob, &g.group, "b1", "hi all").await;
    fails(
        &mut bob,
        join(&GroupId::new("nope").unwrap(), ""),
        ErrorCode::NotFound,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn applications_are_approved_or_refused_by_owner_or_admin_and_everyone_concerned_hears() {
    let server = TestServer::start_with(|c| c.max_group_members = 4).await;
    // bob: admin, carol: plain member, dave: applicant, erin: applicant, refused
    let [mut alice, mut bob, mut carol, mut dave, mut erin] =
        users(&server, ["alice", "bob", "carol", "dave", "erin"]).await;
    let g = create(&mut alice, "Approval", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    fails(&mut dave, join(&gid, &"m".repeat(257)), ErrorCode::TooLarge).await;
    assert_eq!(
        dave.ok(join(&gid, "let me in")).await,
        Response::GroupJoin { joined: false }
    );
    // Applicant, owner and admin hear it; the plain member does not.
    for c in [&mut dave, &mut alice, &mut bob] {
        let v = change_where(c, |ch| matches!(ch, Change::GroupApplicationAdded { .. })).await;
        let Change::GroupApplicationAdded { application } = v.change else {
            unreachable!()
        };
        assert_eq!(
            (application.user.as_str(), application.message.as_str()),
            ("dave", "let me in")
        );
        assert_eq!(application.state, ApplicationState::Pending);
    }
    let heard = changes_within(&mut carol, Duration::from_millis(200)).await;
    assert!(
        !heard
            .iter()
            .any(|c| matches!(c, Change::GroupApplicationAdded { .. })),
        "{heard:?}"
    );
    // Not a member yet: no access.
    fails(&mut dave, gtext(&gid, "d0", "hi?"), ErrorCode::Forbidden).await;
    // Only owner/admin list and answer.
    let list = Request::ListGroupApplications { group: gid.clone() };
    fails(&mut carol, list.clone(), ErrorCode::Forbidden).await;
    let accept = |u: &str| Request::AcceptGroupApplication {
        group: gid.clone(),
        user: uid(u),
    };
    let refuse = |u: &str| Request::RefuseGroupApplication {
        group: gid.clone(),
        user: uid(u),
    };
    fails(&mut carol, accept("dave"), ErrorCode::Forbidden).await;
    erin.ok(join(&gid, "me too")).await;
    let Response::GroupApplications { applications } = bob.ok(list.clone()).await else {
        panic!()
    };
    let who: Vec<&str> = applications.iter().map(|a| a.user.as_str()).collect();
    assert_eq!(who, ["erin", "dave"], "newest first");

    bob.ok(accept("dave")).await;
    let v = change_where(&mut dave, |c| {
        matches!(c, Change::GroupApplicationHandled { .. })
    })
    .await;
    let Change::GroupApplicationHandled { application } = v.change else {
        unreachable!()
    };
    assert_eq!(application.state, ApplicationState::Accepted);
    assert_eq!(application.handled_by, Some(uid("bob")));
    let v = change_where(&mut dave, |c| matches!(c, Change::GroupJoined { .. })).await;
    assert!(
        matches!(&v.change, Change::GroupJoined { by: Some(by), .. } if by.as_str() == "bob"),
        "dave's joining names the admin who accepted him: {v:?}"
    );
    let v = change_where(&mut carol, |c| {
        matches!(c, Change::GroupMemberJoined { .. })
    })
    .await;
    assert!(
        matches!(&v.change, Change::GroupMemberJoined { member, by: Some(by), .. }
            if member.user.as_str() == "dave" && by.as_str() == "bob"),
        "{v:?}"
    );
    gsend(&mut dave, &gid, "d1", "thanks").await;
    fails(&mut bob, accept("dave"), ErrorCode::NotFound).await;

    // The group is full now (4): accepting erin fails; refusing works.
    fails(&mut alice, accept("erin"), ErrorCode::GroupFull).await;
    alice.ok(refuse("erin")).await;
    let v = change_where(&mut erin, |c| {
        matches!(c, Change::GroupApplicationHandled { .. })
    })
    .await;
    assert!(
        matches!(&v.change, Change::GroupApplicationHandled { application }
            if application.state == ApplicationState::Refused
            && application.handled_by.as_ref().map(|u| u.as_str()) == Some("alice")),
        "{v:?}"
    );
    let Response::GroupApplications { applications } = alice.ok(list).await else {
        panic!()
    };
    let states: Vec<(&str, ApplicationState)> = applications
        .iter()
        .map(|a| (a.user.as_str(), a.state))
        .collect();
    assert_eq!(
        states,
        [
            ("erin", ApplicationState::Refused),
            ("dave", ApplicationState::Accepted)
        ]
    );
    fails(&mut erin, join(&gid, "again"), ErrorCode::GroupFull).await;
    server.stop().await;
}

#[tokio::test]
async fn members_leave_but_the_owner_must_transfer_or_dismiss() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Leaving", &["bob", "carol"], None).await;
    joined(&mut [&mut bob, &mut carol], &g.group).await;
    let gid = g.group.clone();
    let msg = fails(
        &mut alice,
        Request::LeaveGroup { group: gid.clone() },
        ErrorCode::Forbidden,
    )
    .await;
    assert!(msg.contains("transfer ownership or dismiss"), "{msg}");
    bob.ok(Request::LeaveGroup { group: gid.clone() }).await;
    let expected = Change::GroupMemberLeft {
        group: gid.clone(),
        user: uid("bob"),
        reason: LeaveReason::Left,
        by: None,
    };
    for c in [&mut alice, &mut bob, &mut carol] {
        hears(c, &expected).await;
    }
    fails(
        &mut bob,
        Request::LeaveGroup { group: gid.clone() },
        ErrorCode::Forbidden,
    )
    .await;
    let groups = get_groups(&mut bob).await;
    assert!(groups.is_empty());
    assert_eq!(member_ids(&mut carol, &gid).await, ["alice", "carol"]);
    server.stop().await;
}

#[tokio::test]
async fn kicks_owner_any_admin_only_plain_members_members_none() {
    let server = TestServer::start().await;
    // alice: owner, bob: admin, carol: admin, dave: member, erin: member
    let [mut alice, mut bob, mut carol, mut dave, mut erin] =
        users(&server, ["alice", "bob", "carol", "dave", "erin"]).await;
    let g = create(&mut alice, "Kicks", &["bob", "carol", "dave", "erin"], None).await;
    joined(&mut [&mut bob, &mut carol, &mut dave, &mut erin], &g.group).await;
    let gid = g.group.clone();
    for u in ["bob", "carol"] {
        set_role(&mut alice, &gid, u, GroupRole::Admin).await;
    }
    let kick = |u: &str| Request::KickMember {
        group: gid.clone(),
        user: uid(u),
    };
    fails(&mut dave, kick("erin"), ErrorCode::Forbidden).await;
    let msg = fails(&mut bob, kick("alice"), ErrorCode::Forbidden).await;
    assert!(msg.contains("owner"), "{msg}");
    let msg = fails(&mut bob, kick("carol"), ErrorCode::Forbidden).await;
    assert!(msg.contains("admin"), "{msg}");
    fails(&mut bob, kick("nobody"), ErrorCode::NotFound).await;
    bob.ok(kick("erin")).await;
    let expected = Change::GroupMemberLeft {
        group: gid.clone(),
        user: uid("erin"),
        reason: LeaveReason::Kicked,
        by: Some(uid("bob")),
    };
    for c in [&mut erin, &mut alice, &mut dave] {
        hears(c, &expected).await;
    }
    alice.ok(kick("carol")).await;
    fails(&mut carol, kick("dave"), ErrorCode::Forbidden).await;
    assert_eq!(member_ids(&mut alice, &gid).await, ["alice", "bob", "dave"]);
    server.stop().await;
}

#[tokio::test]
async fn only_the_owner_dismisses_and_a_dismissed_group_is_gone_for_everything() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut eve] = users(&server, ["alice", "bob", "eve"]).await;
    let g = create(&mut alice, "Doomed", &["bob"], Some(JoinPolicy::Open)).await;
    joined(&mut [&mut bob], &g.group).await;
    let gid = g.group.clone();
    gsend(&mut bob, &gid, "b1", "hi").await;
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    fails(
        &mut bob,
        Request::DismissGroup { group: gid.clone() },
        ErrorCode::Forbidden,
    )
    .await;
    alice.ok(Request::DismissGroup { group: gid.clone() }).await;
    let expected = Change::GroupDismissed {
        group: gid.clone(),
        by: uid("alice"),
    };
    for c in [&mut alice, &mut bob] {
        hears(c, &expected).await;
        let conversations = get_conversations(c).await;
        assert!(conversations.is_empty(), "{conversations:?}");
        let groups = get_groups(c).await;
        assert!(groups.is_empty());
    }
    let mut everything = member_reads(&gid, "b2", "anyone?");
    everything.extend([
        Request::GetGroupInfo { group: gid.clone() },
        Request::GetGroupMembers { group: gid.clone() },
        Request::UpdateGroup {
            group: gid.clone(),
            name: Some("x".into()),
            avatar: None,
            notice: None,
            join_policy: None,
            history_visible: None,
            read_by: None,
        },
        Request::InviteMembers {
            group: gid.clone(),
            users: vec![uid("eve")],
        },
        Request::LeaveGroup { group: gid.clone() },
        Request::DismissGroup { group: gid.clone() },
        Request::MuteAll {
            group: gid.clone(),
            muted: true,
        },
    ]);
    for req in everything {
        let name = req.name();
        let e = alice.err(req).await;
        assert_eq!(e.code, ErrorCode::NotFound, "{name}: {e}");
    }
    fails(&mut eve, join(&gid, ""), ErrorCode::NotFound).await;
    server.stop().await;
}
