//! The crash gap of after-events (docs/webhooks.md, "At least once"): a
//! message event is queued in the same transaction as the message write, so
//! a process that dies right after the commit — before it answers, wakes a
//! delivery task or could queue anything more — still delivers the event
//! after a restart. The real binary aborts at a failure point
//! (`TERN_FAULT_POINT`, crates/server/src/fault.rs) after each commit.

use crate::admin_support;
use crate::common;
use crate::webhook_support;

use std::time::Duration;

use common::*;
use serde_json::json;
use tern_proto::{Request, Seq};
use webhook_support::{figures, Receiver, SECRET};

const WAIT: Duration = Duration::from_secs(30);

/// The `--database` of a fresh process: SQLite in a new directory, or a new
/// PostgreSQL database with `TERN_TEST_DATABASE`.
fn database(dir: &std::path::Path) -> String {
    match tern_server::Config::for_tests(dir).database {
        tern_server::database_config::Database::Postgres(url) => url,
        _ => format!("sqlite:{}", dir.join("crash.db").display()),
    }
}

fn config(url: &str) -> String {
    format!(
        "admin_secret = \"{}\"\nwebhook_retry_max_secs = 1\n\n[[webhooks]]\nname = \"rx\"\nurl = \"{url}\"\n\
         secret = \"{SECRET}\"\nevents = [\"message.stored\", \"message.edited\", \"message.recalled\"]\n",
        admin_support::SECRET
    )
}

/// Sends `req` as `who` and expects the connection to die without an answer
/// (the process aborted at its fault point), then waits for the exit.
async fn crashes(server: &mut ServerProcess, who: &str, req: Request) {
    let mut c = Client::try_user(server.addr, who).await.expect("login");
    let r = c.try_pipeline(vec![req]).await;
    assert!(
        r.is_err(),
        "the process answered instead of aborting: {r:?}"
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn message_events_survive_a_crash_right_after_the_commit() {
    let mut rx = Receiver::start().await;
    // Down at first: nothing can be delivered before each crash.
    rx.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let mut server = ServerProcess::start_with(
        &db,
        &config(&rx.url()),
        &[("TERN_FAULT_POINT", "after_send_commit")],
    );
    let conv = dm("alice", "bob");
    Client::try_user(server.addr, "bob").await.expect("bob");
    crashes(&mut server, "alice", text_msg(&conv, "c1", "hello")).await;

    server.env = vec![("TERN_FAULT_POINT".into(), "after_edit_commit".into())];
    server.restart();
    let edit = Request::Edit {
        conv: conv.clone(),
        seq: Seq(1),
        text: "hello, edited".into(),
    };
    crashes(&mut server, "alice", edit).await;

    server.env = vec![("TERN_FAULT_POINT".into(), "after_recall_commit".into())];
    server.restart();
    let recall = Request::Recall {
        conv: conv.clone(),
        seq: Seq(1),
    };
    crashes(&mut server, "alice", recall).await;

    // Each write committed, and its event with it.
    server.env.clear();
    server.restart();
    let admin = admin_support::Admin::new_at(server.addr);
    let st = admin.get("/admin/webhooks/rx").await;
    assert_eq!(st.status, 200, "{st:?}");
    assert_eq!(
        st.body["last_seq"], 3,
        "one event per committed write: {:?}",
        st.body
    );
    let history = admin
        .get("/admin/conversations/d:alice:bob/messages")
        .await
        .body;
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        1,
        "{history}"
    );
    assert_eq!(history["messages"][0]["content"]["type"], "recalled");

    rx.start_again().await;
    assert!(rx.wait_for_all("rx", 3, WAIT).await, "{}", server.log());
    let got = rx.after();
    let kinds: Vec<&str> = got.iter().map(|g| g.event.as_str()).collect();
    assert_eq!(
        kinds,
        ["message.stored", "message.edited", "message.recalled"]
    );
    assert_eq!(got[0].body["data"]["message"]["client_id"], "c1");
    assert_eq!(
        got[1].body["data"],
        json!({ "by": "alice", "conv": "d:alice:bob", "seq": 1, "text": "hello, edited",
                "edited_at": got[1].body["data"]["edited_at"] })
    );
    assert_eq!(
        got[2].body["data"],
        json!({ "by": "alice", "conv": "d:alice:bob", "seq": 1 })
    );
    let (sent, delivered, duplicates, lost) = figures(&got, "rx", 3);
    println!(
        "webhooks crash: events={sent} delivered={delivered} duplicates={duplicates} lost={lost}"
    );
    assert_eq!(lost, 0);
    rx.with_log(|l| assert_eq!(l.bad_signatures, 0));
}
