//! The crash gap of the user, friend and group after-events (docs/webhooks.md,
//! "At least once"): like the message events (webhooks_crash.rs), each is
//! queued in the transaction of the write it reports, so a process that dies
//! right after the commit — before it answers or wakes a delivery task —
//! still delivers it after a restart. The real binary aborts at fault point
//! `after_event_commit` (crates/server/src/fault.rs) after each such commit.
//! Runs on SQLite and on PostgreSQL (`scripts/test-postgres.sh`).

use crate::admin_support;
use crate::common;
use crate::webhook_support;

use std::time::Duration;

use common::*;
use serde_json::json;
use tern_proto::Request;
use webhook_support::{figures, Receiver, SECRET};

const WAIT: Duration = Duration::from_secs(30);
const POINT: &str = "after_event_commit";

fn database(dir: &std::path::Path) -> String {
    match tern_server::Config::for_tests(dir).database {
        tern_server::database_config::Database::Postgres(url) => url,
        _ => format!("sqlite:{}", dir.join("crash.db").display()),
    }
}

fn config(url: &str) -> String {
    format!(
        "admin_secret = \"{}\"\nwebhook_retry_max_secs = 1\n\n[[webhooks]]\nname = \"rx\"\nurl = \"{url}\"\n\
         secret = \"{SECRET}\"\nevents = [\"user.created\", \"user.deleted\", \"friend.applied\", \
         \"friend.answered\", \"friend.deleted\", \"group.left\", \"group.dismissed\"]\n",
        admin_support::SECRET
    )
}

/// Waits until the process has exited at its fault point.
async fn exited(server: &mut ServerProcess) {
    for _ in 0..100 {
        if !server.running() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the process did not exit at its fault point:\n{}",
        server.log()
    );
}

/// Registers `who` and expects the process to die without an answer.
async fn register_crashes(server: &mut ServerProcess, who: &str) {
    let mut c = Client::greeted(server.addr).await;
    let r = c.try_pipeline(vec![register(who)]).await;
    assert!(
        r.is_err(),
        "the process answered instead of aborting: {r:?}"
    );
    exited(server).await;
    server.restart();
}

/// Sends `req` as `who` (registered already) and expects the process to die.
async fn crashes(server: &mut ServerProcess, who: &str, req: Request) {
    let mut c = Client::try_user(server.addr, who).await.expect("login");
    let r = c.try_pipeline(vec![req]).await;
    assert!(
        r.is_err(),
        "the process answered instead of aborting: {r:?}"
    );
    exited(server).await;
    server.restart();
}

#[tokio::test(flavor = "multi_thread")]
async fn user_friend_and_group_events_survive_a_crash_right_after_the_commit() {
    let mut rx = Receiver::start().await;
    // Down at first: nothing can be delivered before each crash.
    rx.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut server =
        ServerProcess::start_with(&db, &config(&rx.url()), &[("TERN_FAULT_POINT", POINT)]);

    for who in ["alice", "bob", "carol"] {
        register_crashes(&mut server, who).await;
    }
    let bob = uid("bob");
    let apply = Request::ApplyFriend {
        to: bob.clone(),
        greeting: "hi".into(),
    };
    crashes(&mut server, "alice", apply).await;
    let accept = Request::AcceptFriend { from: uid("alice") };
    crashes(&mut server, "bob", accept).await;
    crashes(&mut server, "alice", Request::DeleteFriend { user: bob }).await;

    // group.created is not one of rx's events: no crash there.
    let admin = admin_support::Admin::new_at(server.addr);
    let g = admin
        .post(
            "/admin/groups",
            json!({ "owner": "alice", "name": "Crew", "members": ["carol"] }),
        )
        .await;
    assert_eq!(g.status, 201, "{g:?}");
    let group = tern_proto::GroupId::new(g.body["group"].as_str().unwrap()).unwrap();
    let leave = Request::LeaveGroup {
        group: group.clone(),
    };
    crashes(&mut server, "carol", leave).await;
    let dismiss = Request::DismissGroup {
        group: group.clone(),
    };
    crashes(&mut server, "alice", dismiss).await;

    // The admin API's delete: the HTTP request dies with the process.
    let r = http_client()
        .delete(format!("http://{}/admin/users/bob", server.addr))
        .header("authorization", format!("Bearer {}", admin_support::SECRET))
        .send()
        .await;
    assert!(
        r.is_err(),
        "the process answered instead of aborting: {r:?}"
    );
    exited(&mut server).await;

    // Each write committed, and its event with it.
    server.env.clear();
    server.restart();
    let admin = admin_support::Admin::new_at(server.addr);
    let st = admin.get("/admin/webhooks/rx").await;
    assert_eq!(
        st.body["last_seq"],
        9,
        "one event per committed write: {st:?}\n{}",
        server.log()
    );
    assert_eq!(admin.get("/admin/users/bob").await.status, 404);
    assert_eq!(
        admin.get(&format!("/admin/groups/{group}")).await.status,
        404
    );

    rx.start_again().await;
    assert!(rx.wait_for_all("rx", 9, WAIT).await, "{}", server.log());
    let got = rx.after();
    let kinds: Vec<&str> = got.iter().map(|g| g.event.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "user.created",
            "user.created",
            "user.created",
            "friend.applied",
            "friend.answered",
            "friend.deleted",
            "group.left",
            "group.dismissed",
            "user.deleted"
        ]
    );
    let data: Vec<&serde_json::Value> = got.iter().map(|g| &g.body["data"]).collect();
    assert_eq!(*data[0], json!({ "user": "alice", "by": "register" }));
    assert_eq!(
        *data[4],
        json!({ "user": "bob", "from": "alice", "accepted": true })
    );
    assert_eq!(data[6]["user"], "carol");
    assert_eq!(*data[8], json!({ "user": "bob" }));
    let (sent, delivered, duplicates, lost) = figures(&got, "rx", 9);
    println!(
        "webhooks crash (user/friend/group): events={sent} delivered={delivered} duplicates={duplicates} lost={lost}"
    );
    assert_eq!(lost, 0);
    rx.with_log(|l| assert_eq!(l.bad_signatures, 0));
}
