//! `POST /admin/groups/{group}/notices` (issue 19): a system notice from
//! `system` into a group, live to members and in their catch-up.

use crate::admin_support;
use crate::groups_support;

use admin_support::{Admin, Answer};
use groups_support::*;
use serde_json::json;
use tern_proto::{Content, Push};

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

#[tokio::test]
async fn a_group_notice_reaches_members_live_and_in_catch_up() {
    let server = admin_support::start().await;
    let admin = Admin::new(&server);
    let [mut alice] = users(&server, ["alice"]).await;
    admin.create_user("bob").await;
    let g = new_group(&admin, "alice", "Team", &["bob"]).await;
    let gid = tern_proto::GroupId::new(g.clone()).unwrap();
    let base = format!("/admin/groups/{g}");

    let a = admin
        .post(
            &format!("{base}/notices"),
            json!({ "text": "Maintenance at 22:00", "client_id": "n1" }),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body["conv"], format!("g:{g}"));
    assert_eq!(a.body["seq"], 1);
    assert_eq!(a.body["duplicate"], false);
    let p = alice
        .push_where(|p| matches!(p, Push::Message { .. }))
        .await;
    let Push::Message { message } = p else {
        unreachable!()
    };
    assert_eq!(message.sender.as_str(), "system");
    assert_eq!(
        message.content,
        Content::System {
            text: "Maintenance at 22:00".into()
        }
    );
    // Retrying with the same client_id is deduplicated.
    let again = admin
        .post(
            &format!("{base}/notices"),
            json!({ "text": "Maintenance at 22:00", "client_id": "n1" }),
        )
        .await;
    assert_eq!(again.body["duplicate"], true, "{again:?}");

    // bob was offline: catch-up finds it.
    let mut bob = server.user("bob").await;
    let (got, _) = bob.pull_all(&gconv(&gid), 1, 100, 50).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(matches!(&got[0].content, Content::System { text } if text == "Maintenance at 22:00"));
    // Members may not answer as system, and a plain send still works.
    gsend(&mut bob, &gid, "b1", "ok").await;

    is(
        &admin
            .post(&format!("{base}/notices"), json!({ "text": "  " }))
            .await,
        400,
        1002,
    );
    is(
        &admin
            .post(&format!("{base}/notices"), json!({ "text": "x", "ext": 5 }))
            .await,
        400,
        1002,
    );
    is(
        &admin.post(&format!("{base}/notices"), json!({})).await,
        400,
        1002,
    );
    is(
        &admin
            .post(
                &format!("{base}/notices"),
                json!({ "text": "x".repeat(8001) }),
            )
            .await,
        413,
        1003,
    );
    is(
        &admin
            .post("/admin/groups/nosuch/notices", json!({ "text": "x" }))
            .await,
        404,
        3000,
    );
    server.stop().await;
}
