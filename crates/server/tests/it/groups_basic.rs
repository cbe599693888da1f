//! Groups: create, list, info, members, update, invite; their change-log
//! events live and replayed to an offline device; the limits.

use crate::common;
use crate::groups_support;

use std::time::Duration;

use common::{uid, TestServer};
use groups_support::*;
use tern_proto::{Change, ErrorCode, GroupId, GroupRole, JoinPolicy, Platform, Request, Response};

#[tokio::test]
async fn create_makes_the_creator_owner_and_every_member_hears_group_joined() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(
        &mut alice,
        "Climbing",
        &["bob", "carol", "bob", "alice"],
        None,
    )
    .await;
    assert_eq!(g.name, "Climbing");
    assert_eq!(g.owner, uid("alice"));
    assert_eq!(g.member_count, 3, "duplicates and the owner are ignored");
    assert_eq!(g.join_policy, JoinPolicy::Approval, "default policy");
    assert!(!g.all_muted);
    assert!(GroupId::new(g.group.as_str()).is_ok());
    for (c, role) in [
        (&mut alice, GroupRole::Owner),
        (&mut bob, GroupRole::Member),
        (&mut carol, GroupRole::Member),
    ] {
        let v = change_where(c, |ch| matches!(ch, Change::GroupJoined { .. })).await;
        let Change::GroupJoined { group, member, by } = v.change else {
            unreachable!()
        };
        assert_eq!(group, g);
        assert_eq!(member.role, role);
        assert_eq!(&member.user, c.user.as_ref().unwrap());
        // The creator added the others; nobody added her.
        let expected = (role != GroupRole::Owner).then(|| uid("alice"));
        assert_eq!(by, expected);
    }
    // Server-generated ids differ.
    let g2 = create(&mut alice, "Other", &[], Some(JoinPolicy::Open)).await;
    assert_ne!(g.group, g2.group);
    assert_eq!(g2.member_count, 1);
    assert_eq!(g2.join_policy, JoinPolicy::Open);

    let groups = get_groups(&mut bob).await;
    assert_eq!(groups, vec![g.clone()]);
    let groups = get_groups(&mut alice).await;
    assert_eq!(groups.len(), 2);
    assert_eq!(
        member_ids(&mut carol, &g.group).await,
        ["alice", "bob", "carol"],
        "owner first, then by join time"
    );
    // The group's conversation is listed for every member from the start.
    let conversations = get_conversations(&mut carol).await;
    assert!(conversations.iter().any(|c| c.conv == gconv(&g.group)));
    server.stop().await;
}

#[tokio::test]
async fn create_validates_name_members_and_size() {
    let server = TestServer::start_with(|c| c.max_group_members = 3).await;
    let mut alice = server.user("alice").await;
    for u in ["bob", "carol", "dave"] {
        server.user(u).await;
    }
    let mk = |name: &str, members: &[&str]| Request::CreateGroup {
        name: name.into(),
        members: members.iter().map(|m| uid(m)).collect(),
        join_policy: None,
    };
    fails(&mut alice, mk("", &[]), ErrorCode::InvalidArgument).await;
    fails(&mut alice, mk("   ", &[]), ErrorCode::InvalidArgument).await;
    let msg = fails(&mut alice, mk(&"x".repeat(65), &[]), ErrorCode::TooLarge).await;
    assert!(msg.contains("name"), "{msg}");
    create(&mut alice, &"é".repeat(64), &[], None).await;
    let msg = fails(&mut alice, mk("g", &["bob", "nobody"]), ErrorCode::NotFound).await;
    assert!(msg.contains("nobody"), "{msg}");
    fails(
        &mut alice,
        mk("g", &["bob", "carol", "dave"]),
        ErrorCode::GroupFull,
    )
    .await;
    create(&mut alice, "g", &["bob", "carol"], None).await;
    let many: Vec<String> = (0..501).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let msg = fails(&mut alice, mk("g", &refs), ErrorCode::InvalidArgument).await;
    assert!(msg.contains("500"), "{msg}");
    server.stop().await;
}

#[tokio::test]
async fn info_is_public_members_are_for_members() {
    let server = TestServer::start().await;
    let [mut alice, mut eve] = users(&server, ["alice", "eve"]).await;
    let g = create(&mut alice, "Public info", &[], None).await;
    let Response::Group { group } = eve
        .ok(Request::GetGroupInfo {
            group: g.group.clone(),
        })
        .await
    else {
        panic!()
    };
    assert_eq!(group, g);
    fails(
        &mut eve,
        Request::GetGroupMembers {
            group: g.group.clone(),
        },
        ErrorCode::Forbidden,
    )
    .await;
    let nope = GroupId::new("no-such-group").unwrap();
    fails(
        &mut eve,
        Request::GetGroupInfo {
            group: nope.clone(),
        },
        ErrorCode::NotFound,
    )
    .await;
    fails(
        &mut eve,
        Request::GetGroupMembers { group: nope },
        ErrorCode::NotFound,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn owner_and_admin_update_the_group_members_cannot() {
    let server = TestServer::start().await;
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = create(&mut alice, "Before", &["bob", "carol"], None).await;
    let upd = |name: Option<&str>, notice: Option<&str>| Request::UpdateGroup {
        group: g.group.clone(),
        name: name.map(Into::into),
        avatar: None,
        notice: notice.map(Into::into),
        join_policy: None,
        history_visible: None,
        read_by: None,
    };
    fails(&mut bob, upd(Some("Mine"), None), ErrorCode::Forbidden).await;
    let token = alice.token.clone().unwrap();
    let pic = common::upload_as(server.addr(), &token, "g.png", "image/png", vec![1; 64]).await;
    let Response::Group { group } = alice
        .ok(Request::UpdateGroup {
            group: g.group.clone(),
            name: Some("After".into()),
            avatar: Some(pic.clone()),
            notice: Some("Meet at 9".into()),
            join_policy: Some(JoinPolicy::Open),
            history_visible: None,
            read_by: None,
        })
        .await
    else {
        panic!()
    };
    assert_eq!(
        (group.name.as_str(), group.notice.as_str()),
        ("After", "Meet at 9")
    );
    assert_eq!(group.avatar.as_ref(), Some(&pic));
    assert_eq!(group.join_policy, JoinPolicy::Open);
    for c in [&mut alice, &mut bob, &mut carol] {
        let v = change_where(c, |ch| matches!(ch, Change::GroupInfoChanged { .. })).await;
        let Change::GroupInfoChanged { group: got, by } = v.change else {
            unreachable!()
        };
        assert_eq!(got, group);
        assert_eq!(by, uid("alice"));
    }
    // An admin may update too; absent fields stay.
    set_role(&mut alice, &g.group, "bob", GroupRole::Admin).await;
    let Response::Group { group } = bob.ok(upd(None, Some(""))).await else {
        panic!()
    };
    assert_eq!((group.name.as_str(), group.notice.as_str()), ("After", ""));
    fails(&mut bob, upd(Some(""), None), ErrorCode::InvalidArgument).await;
    fails(
        &mut bob,
        upd(Some(&"n".repeat(65)), None),
        ErrorCode::TooLarge,
    )
    .await;
    fails(
        &mut bob,
        upd(None, Some(&"n".repeat(1025))),
        ErrorCode::TooLarge,
    )
    .await;
    bob.ok(upd(None, Some(&"n".repeat(1024)))).await;
    server.stop().await;
}

#[tokio::test]
async fn any_member_invites_new_members_get_joined_others_member_joined() {
    let server = TestServer::start_with(|c| c.max_group_members = 4).await;
    let [mut alice, mut bob, mut carol, mut dave, mut eve] =
        users(&server, ["alice", "bob", "carol", "dave", "eve"]).await;
    let g = create(&mut alice, "Invites", &["bob"], Some(JoinPolicy::Open)).await;
    fails(
        &mut eve,
        Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("eve")],
        },
        ErrorCode::Forbidden,
    )
    .await;
    fails(
        &mut bob,
        Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("carol"), uid("ghost")],
        },
        ErrorCode::NotFound,
    )
    .await;
    bob.ok(Request::InviteMembers {
        group: g.group.clone(),
        users: vec![uid("carol"), uid("alice"), uid("dave")],
    })
    .await;
    for c in [&mut carol, &mut dave] {
        let v = change_where(c, |ch| matches!(ch, Change::GroupJoined { .. })).await;
        let Change::GroupJoined { group, member, by } = v.change else {
            unreachable!()
        };
        assert_eq!(group.member_count, 4);
        assert_eq!(member.role, GroupRole::Member);
        assert_eq!(by, Some(uid("bob")), "the inviter");
    }
    for c in [&mut alice, &mut bob] {
        let mut joined = Vec::new();
        while joined.len() < 2 {
            let v = change_where(c, |ch| matches!(ch, Change::GroupMemberJoined { .. })).await;
            let Change::GroupMemberJoined { member, by, .. } = v.change else {
                unreachable!()
            };
            assert_eq!(by, Some(uid("bob")));
            joined.push(member.user.to_string());
        }
        joined.sort();
        assert_eq!(joined, ["carol", "dave"]);
    }
    // carol does not hear about her own joining twice.
    let extra = changes_within(&mut carol, Duration::from_millis(200)).await;
    assert!(
        !extra
            .iter()
            .any(|c| matches!(c, Change::GroupMemberJoined { member, .. } if member.user.as_str() == "carol")),
        "{extra:?}"
    );
    let many: Vec<_> = (0..101).map(|i| uid(&format!("u{i}"))).collect();
    let msg = fails(
        &mut alice,
        Request::InviteMembers {
            group: g.group.clone(),
            users: many,
        },
        ErrorCode::InvalidArgument,
    )
    .await;
    assert!(msg.contains("at most 100"), "{msg}");
    // Inviting someone already in is a no-op; the limit holds.
    alice
        .ok(Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("bob")],
        })
        .await;
    fails(
        &mut alice,
        Request::InviteMembers {
            group: g.group.clone(),
            users: vec![uid("eve")],
        },
        ErrorCode::GroupFull,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn an_offline_device_replays_every_group_event_via_sync_changes() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    // bob's phone is offline the whole time; only his laptop is connected.
    let mut bob_phone = server.device("bob", "phone", Platform::Mobile).await;
    let since = version(&mut bob_phone).await;
    drop(bob_phone);
    server.user("carol").await;
    let g = create(&mut alice, "Replay", &["bob"], None).await;
    let gid = g.group.clone();
    alice
        .ok(Request::InviteMembers {
            group: gid.clone(),
            users: vec![uid("carol")],
        })
        .await;
    alice
        .ok(Request::UpdateGroup {
            group: gid.clone(),
            name: Some("Replayed".into()),
            avatar: None,
            notice: None,
            join_policy: None,
            history_visible: None,
            read_by: None,
        })
        .await;
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    alice
        .ok(Request::MuteMember {
            group: gid.clone(),
            user: uid("carol"),
            minutes: 5,
        })
        .await;
    alice
        .ok(Request::KickMember {
            group: gid.clone(),
            user: uid("carol"),
        })
        .await;
    alice.ok(Request::DismissGroup { group: gid.clone() }).await;

    let mut bob_phone = server.device("bob", "phone", Platform::Mobile).await;
    let kinds: Vec<&'static str> = sync(&mut bob_phone, since)
        .await
        .iter()
        .map(|c| match c {
            Change::GroupJoined { group, .. } if group.group == gid => "joined",
            Change::GroupMemberJoined { member, .. } if member.user.as_str() == "carol" => {
                "member_joined"
            }
            Change::GroupInfoChanged { group, .. } if group.name == "Replayed" => "info",
            Change::GroupRoleChanged {
                user,
                role: GroupRole::Admin,
                ..
            } if user.as_str() == "bob" => "role",
            Change::GroupMemberMuted {
                user,
                until: Some(_),
                ..
            } if user.as_str() == "carol" => "muted",
            Change::GroupMemberLeft { user, .. } if user.as_str() == "carol" => "left",
            Change::GroupDismissed { group, .. } if *group == gid => "dismissed",
            other => panic!("unexpected change {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "joined",
            "member_joined",
            "info",
            "role",
            "muted",
            "left",
            "dismissed"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn groups_roles_mutes_and_messages_survive_a_restart() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    server.user("bob").await;
    let g = create(&mut alice, "Durable", &["bob"], Some(JoinPolicy::Open)).await;
    let gid = g.group.clone();
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    gsend(&mut alice, &gid, "a1", "before").await;
    drop(alice);
    let server = server.restart().await;
    let mut bob = server.user("bob").await;
    assert_eq!(role_of(&mut bob, &gid, "bob").await, Some(GroupRole::Admin));
    assert_eq!(
        role_of(&mut bob, &gid, "alice").await,
        Some(GroupRole::Owner)
    );
    assert_eq!(gsend(&mut bob, &gid, "b1", "after").await.0, 2);
    let Response::Group { group } = bob.ok(Request::GetGroupInfo { group: gid }).await else {
        panic!()
    };
    assert_eq!(group, g);
    server.stop().await;
}
