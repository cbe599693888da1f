//! The admin API's group routes (issue 19): list, info, members, add and
//! remove, mute, transfer, dismiss, system notices — each acting as the
//! group's owner through the owner's code path, so members' devices hear of
//! it live (and in catch-up), as they would of the owner's own command.

use crate::admin_support;
use crate::common;
use crate::groups_support;

use admin_support::{Admin, Answer};
use common::uid;
use groups_support::*;
use serde_json::json;
use tern_proto::{Change, ErrorCode, GroupRole, LeaveReason};

async fn new_group(admin: &Admin, owner: &str, name: &str, members: &[&str]) -> String {
    let a = admin
        .post(
            "/admin/groups",
            json!({ "owner": owner, "name": name, "members": members }),
        )
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    a.body["group"].as_str().unwrap().to_string()
}

fn is(a: &Answer, status: u16, code: u64) {
    assert_eq!((a.status, a.code()), (status, code), "{a:?}");
}

/// Every route without the secret is 401.
#[tokio::test]
async fn every_group_route_needs_the_secret() {
    let server = admin_support::start().await;
    let anon = Admin::without_secret(&server);
    let g = "/admin/groups/g1";
    is(&anon.get("/admin/groups").await, 401, 2000);
    is(&anon.get(g).await, 401, 2000);
    is(&anon.delete(g).await, 401, 2000);
    is(&anon.get(&format!("{g}/members")).await, 401, 2000);
    is(
        &anon
            .post(&format!("{g}/members"), json!({ "users": ["a"] }))
            .await,
        401,
        2000,
    );
    is(&anon.delete(&format!("{g}/members/a")).await, 401, 2000);
    is(
        &anon
            .post(&format!("{g}/members/a/mute"), json!({ "minutes": 5 }))
            .await,
        401,
        2000,
    );
    is(
        &anon.delete(&format!("{g}/members/a/mute")).await,
        401,
        2000,
    );
    is(
        &anon
            .post(&format!("{g}/transfer"), json!({ "to": "a" }))
            .await,
        401,
        2000,
    );
    is(
        &anon
            .post(&format!("{g}/notices"), json!({ "text": "x" }))
            .await,
        401,
        2000,
    );
    server.stop().await;
}

#[tokio::test]
async fn list_is_paged_and_searchable_and_info_answers_404_for_unknown_groups() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    admin.create_user("alice").await;
    let mut ids = Vec::new();
    for name in ["Ops", "Sales", "Ops Europe"] {
        ids.push(new_group(&admin, "alice", name, &[]).await);
    }
    ids.sort();
    let a = admin.get("/admin/groups?limit=2").await;
    assert_eq!(a.status, 200, "{a:?}");
    let page: Vec<&str> = a.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(page, [ids[0].as_str(), ids[1].as_str()]);
    let next = a.body["next"].as_str().unwrap();
    let a = admin
        .get(&format!("/admin/groups?limit=2&after={next}"))
        .await;
    assert_eq!(a.body["groups"].as_array().unwrap().len(), 1, "{a:?}");
    assert!(a.body["next"].is_null(), "{a:?}");
    let a = admin.get("/admin/groups?query=ops").await;
    let mut names: Vec<&str> = a.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["Ops", "Ops Europe"]);

    let a = admin.get(&format!("/admin/groups/{}", ids[0])).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["owner"], "alice");
    is(&admin.get("/admin/groups/nosuchgroup").await, 404, 3000);
    for bad in [
        "/admin/groups?limit=0",
        "/admin/groups?query=",
        "/admin/groups?after=a%20b",
        "/admin/groups?color=red",
    ] {
        is(&admin.get(bad).await, 400, 1002);
    }
    is(&admin.get("/admin/groups/a%20b").await, 400, 1002);
    server.stop().await;
}

#[tokio::test]
async fn members_are_added_paged_muted_removed_and_hear_of_it_live() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let [mut alice, mut bob, mut carol] = users(&server, ["alice", "bob", "carol"]).await;
    let g = new_group(&admin, "alice", "Team", &[]).await;
    let gid = tern_proto::GroupId::new(g.clone()).unwrap();
    let base = format!("/admin/groups/{g}");

    let a = admin
        .post(
            &format!("{base}/members"),
            json!({ "users": ["bob", "carol"] }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["added"], json!(["bob", "carol"]), "{a:?}");
    let v = change_where(
        &mut bob,
        |c| matches!(c, Change::GroupJoined { group, .. } if group.group == gid),
    )
    .await;
    // The admin API adds members as the owner would.
    assert!(
        matches!(&v.change, Change::GroupJoined { by: Some(by), .. } if by == &uid("alice")),
        "{v:?}"
    );
    change_where(
        &mut alice,
        |c| matches!(c, Change::GroupMemberJoined { member, .. } if member.user == uid("carol")),
    )
    .await;
    // Already in (bob, and alice the owner): skipped, as for the owner's
    // `invite_members`, and not reported as added.
    let a = admin
        .post(
            &format!("{base}/members"),
            json!({ "users": ["bob", "alice", "bob"] }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["added"], json!([]), "{a:?}");
    is(
        &admin
            .post(&format!("{base}/members"), json!({ "users": ["ghost"] }))
            .await,
        404,
        3000,
    );
    is(
        &admin
            .post(&format!("{base}/members"), json!({ "users": [] }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(&format!("{base}/members"), json!({ "users": ["system"] }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post("/admin/groups/nosuch/members", json!({ "users": ["bob"] }))
            .await,
        404,
        3000,
    );

    // Paged by id.
    let a = admin.get(&format!("{base}/members?limit=2")).await;
    let ids: Vec<&str> = a.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["alice", "bob"], "{a:?}");
    assert_eq!(a.body["members"][0]["role"], "owner");
    assert_eq!(a.body["next"], "bob");
    let a = admin
        .get(&format!("{base}/members?limit=2&after=bob"))
        .await;
    assert_eq!(a.body["members"][0]["user"], "carol", "{a:?}");
    assert!(a.body["next"].is_null());
    is(
        &admin.get(&format!("{base}/members?limit=x")).await,
        400,
        1002,
    );
    is(&admin.get("/admin/groups/nosuch/members").await, 404, 3000);

    // Muted: bob cannot post until unmuted.
    let a = admin
        .post(
            &format!("{base}/members/bob/mute"),
            json!({ "minutes": 10 }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    change_where(&mut bob, |c| matches!(c, Change::GroupMemberMuted { user, until: Some(_), .. } if *user == uid("bob"))).await;
    fails(&mut bob, gtext(&gid, "m1", "hi"), ErrorCode::Muted).await;
    is(
        &admin
            .post(&format!("{base}/members/bob/mute"), json!({ "minutes": 0 }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(
                &format!("{base}/members/bob/mute"),
                json!({ "minutes": 43201 }),
            )
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(
                &format!("{base}/members/alice/mute"),
                json!({ "minutes": 5 }),
            )
            .await,
        403,
        4000,
    );
    is(
        &admin
            .post(
                &format!("{base}/members/ghost/mute"),
                json!({ "minutes": 5 }),
            )
            .await,
        404,
        3000,
    );
    let a = admin.delete(&format!("{base}/members/bob/mute")).await;
    assert_eq!(a.status, 200, "{a:?}");
    gsend(&mut bob, &gid, "m2", "free again").await;

    // Removed: carol hears it, alice too.
    let a = admin.delete(&format!("{base}/members/carol")).await;
    assert_eq!(a.status, 200, "{a:?}");
    change_where(&mut carol, |c| matches!(c, Change::GroupMemberLeft { user, reason: LeaveReason::Kicked, .. } if *user == uid("carol"))).await;
    is(
        &admin.delete(&format!("{base}/members/carol")).await,
        404,
        3000,
    );
    is(
        &admin.delete(&format!("{base}/members/alice")).await,
        403,
        4000,
    );
    is(
        &admin.delete(&format!("{base}/members/a%20b")).await,
        400,
        1002,
    );
    server.stop().await;
}

#[tokio::test]
async fn transfer_and_dismiss_act_as_the_owner() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let [mut alice, mut bob] = users(&server, ["alice", "bob"]).await;
    admin.create_user("carol").await;
    let g = new_group(&admin, "alice", "Team", &["bob"]).await;
    let gid = tern_proto::GroupId::new(g.clone()).unwrap();
    let base = format!("/admin/groups/{g}");

    let a = admin
        .post(&format!("{base}/transfer"), json!({ "to": "bob" }))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(
        a.body,
        json!({ "group": g, "from": "alice", "owner": "bob" })
    );
    change_where(&mut bob, |c| matches!(c, Change::GroupRoleChanged { user, role: GroupRole::Owner, .. } if *user == uid("bob"))).await;
    assert_eq!(
        role_of(&mut alice, &gid, "alice").await,
        Some(GroupRole::Admin)
    );
    is(
        &admin
            .post(&format!("{base}/transfer"), json!({ "to": "bob" }))
            .await,
        403,
        3004,
    );
    is(
        &admin
            .post(&format!("{base}/transfer"), json!({ "to": "carol" }))
            .await,
        404,
        3000,
    );
    is(
        &admin.post(&format!("{base}/transfer"), json!({})).await,
        400,
        1002,
    );
    // The reserved `system` account can be neither a member nor the owner.
    is(
        &admin
            .post(&format!("{base}/transfer"), json!({ "to": "system" }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(
                "/admin/groups",
                json!({ "owner": "bob", "name": "x", "members": ["system"] }),
            )
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post("/admin/groups/nosuch/transfer", json!({ "to": "bob" }))
            .await,
        404,
        3000,
    );

    let a = admin.delete(&base).await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body, json!({ "group": g, "dismissed": true }));
    change_where(&mut alice, |c| matches!(c, Change::GroupDismissed { .. })).await;
    is(&admin.delete(&base).await, 404, 3000);
    is(&admin.get(&base).await, 404, 3000);
    server.stop().await;
}
