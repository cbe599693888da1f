//! `POST /admin/groups`: creates a group with an owner and members through the
//! same path as `create_group`; the members' devices get `group_joined`.

use crate::admin_support;
use crate::common;
use crate::groups_support;

use admin_support::Admin;
use common::uid;
use groups_support::*;
use serde_json::json;
use tern_proto::{Change, GroupRole, JoinPolicy, Push, Request, Response};

#[tokio::test]
async fn without_or_with_a_wrong_secret_it_is_401() {
    let server = admin_support::start().await;
    let body = json!({ "owner": "alice", "name": "x" });
    let a = Admin::without_secret(&server)
        .post("/admin/groups", body.clone())
        .await;
    assert_eq!((a.status, a.code()), (401, 2000), "{a:?}");
    let mut wrong = Admin::new(&server);
    wrong.secret = Some("not-the-secret".into());
    let a = wrong.post("/admin/groups", body).await;
    assert_eq!((a.status, a.code()), (401, 2000), "{a:?}");
    assert_eq!(a.message(), "wrong admin secret");
    server.stop().await;
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_field() {
    let server = admin_support::start_with(|c| c.max_group_members = 2).await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    admin.create_user("bob").await;
    admin.create_user("carol").await;
    let cases = [
        (json!({ "name": "x" }), "missing field `owner`"),
        (json!({ "owner": "alice" }), "missing field `name`"),
        (json!({ "owner": "a b", "name": "x" }), "field `owner`"),
        (json!({ "owner": "alice", "name": 5 }), "field `name`"),
        (json!({ "owner": "alice", "name": "" }), "`name`"),
        (
            json!({ "owner": "alice", "name": "x", "members": "bob" }),
            "field `members`",
        ),
        (
            json!({ "owner": "alice", "name": "x", "members": ["../x"] }),
            "field `members[0]`",
        ),
        (
            json!({ "owner": "alice", "name": "x", "join_policy": "anyone" }),
            "field `join_policy`",
        ),
        (
            json!({ "owner": "alice", "name": "x", "color": "red" }),
            "unknown field `color`",
        ),
        (json!({ "owner": "system", "name": "x" }), "`owner`"),
    ];
    for (body, needle) in cases {
        let a = admin.post("/admin/groups", body.clone()).await;
        assert_eq!((a.status, a.code()), (400, 1002), "{body}: {a:?}");
        assert!(a.message().contains(needle), "{body}: {}", a.message());
    }
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "n".repeat(65) }),
        )
        .await;
    assert_eq!((a.status, a.code()), (413, 1003), "{a:?}");
    let a = admin
        .post("/admin/groups", json!({ "owner": "nobody", "name": "x" }))
        .await;
    assert_eq!((a.status, a.code()), (404, 3000), "{a:?}");
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "x", "members": ["ghost"] }),
        )
        .await;
    assert_eq!((a.status, a.code()), (404, 3000), "{a:?}");
    assert!(a.message().contains("ghost"), "{a:?}");
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "x", "members": ["bob", "carol"] }),
        )
        .await;
    assert_eq!((a.status, a.code()), (409, 4004), "{a:?}");
    // `null` for an optional field is the same as leaving it out (docs/admin.md).
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "x", "members": null, "join_policy": null }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["member_count"], 1, "{a:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_created_group_reaches_every_members_devices_as_group_joined() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    server.user("carol").await;
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Ops", "members": ["bob", "carol", "bob"], "join_policy": "open" }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    assert_eq!(a.body["name"], "Ops");
    assert_eq!(a.body["owner"], "alice");
    assert_eq!(a.body["member_count"], 3);
    assert_eq!(a.body["join_policy"], "open");
    let gid = a.body["group"].as_str().unwrap().to_string();
    for (c, role) in [
        (&mut alice, GroupRole::Owner),
        (&mut bob, GroupRole::Member),
    ] {
        let p = c
            .push_where(
                |p| matches!(p, Push::Change(v) if matches!(v.change, Change::GroupJoined { .. })),
            )
            .await;
        let Push::Change(v) = p else { unreachable!() };
        let Change::GroupJoined { group, member, by } = v.change else {
            unreachable!()
        };
        // Created for alice: she is the one who added its first members.
        let expected = (role != GroupRole::Owner).then(|| uid("alice"));
        assert_eq!(by, expected);
        assert_eq!(group.group.as_str(), gid);
        assert_eq!(group.join_policy, JoinPolicy::Open);
        assert_eq!(
            (member.user.clone(), member.role),
            (c.user.clone().unwrap(), role)
        );
    }
    // A usable group: bob posts, alice sees it.
    let conv = tern_proto::ConversationId::parse(&format!("g:{gid}")).unwrap();
    bob.ok(common::text_msg(&conv, "b1", "hello ops")).await;
    let m = alice.messages(1).await.remove(0);
    assert_eq!((m.conv, m.sender), (conv, uid("bob")));
    let groups = get_groups(&mut bob).await;
    assert_eq!(groups.len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn deleting_an_owner_hands_the_group_to_an_admin_and_members_hear_it() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Heirs", "members": ["bob", "carol"] }),
        )
        .await;
    let gid = tern_proto::GroupId::new(a.body["group"].as_str().unwrap()).unwrap();
    // carol joined first in time order but bob is the admin: bob inherits.
    set_role(&mut alice, &gid, "bob", GroupRole::Admin).await;
    let solo = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Alone" }),
        )
        .await;
    let solo = tern_proto::GroupId::new(solo.body["group"].as_str().unwrap()).unwrap();
    assert_eq!(admin.delete("/admin/users/alice").await.status, 200);
    alice.closed().await;
    let left = |p: &Push| {
        matches!(p, Push::Change(v) if matches!(&v.change,
            Change::GroupMemberLeft { user, by: None, .. } if user.as_str() == "alice"))
    };
    carol.push_where(left).await;
    bob.push_where(left).await;
    let Response::Group { group } = carol.ok(Request::GetGroupInfo { group: gid.clone() }).await
    else {
        panic!()
    };
    assert_eq!((group.owner.as_str(), group.member_count), ("bob", 2));
    let e = carol.err(Request::GetGroupInfo { group: solo }).await;
    assert_eq!(
        e.code,
        tern_proto::ErrorCode::NotFound,
        "an empty group is dismissed"
    );
    bob.ok(Request::DismissGroup { group: gid }).await;
    server.stop().await;
}
