//! After-events (docs/webhooks.md): numbered per endpoint, signed, delivered
//! at least once and in order from the database queue — across the
//! receiver's downtime and a tern-server restart — with delivery status and
//! replay through the admin API, and a bounded queue.

use crate::admin_support;
use crate::common;
use crate::webhook_support;

use std::time::Duration;

use admin_support::Admin;
use common::*;
use serde_json::json;
use tern_proto::Response;
use tern_server::webhook_config::{WebhookConfig, AFTER_EVENTS};
use webhook_support::{figures, Receiver, SECRET};

fn hook(name: &str, url: &str, events: &[&str]) -> WebhookConfig {
    WebhookConfig::new(name, url, SECRET, events)
}

async fn send_n(c: &mut Client, from: &str, to: &str, prefix: &str, n: usize) {
    let conv = dm(from, to);
    for i in 0..n {
        let r = c
            .ok(text_msg(
                &conv,
                &format!("{prefix}{i}"),
                &format!("{prefix} {i}"),
            ))
            .await;
        assert!(matches!(r, Response::Sent { .. }), "{r:?}");
    }
}

#[tokio::test]
async fn after_events_survive_receiver_downtime_and_a_server_restart() {
    let mut rx = Receiver::start().await;
    let url = rx.url();
    let server = admin_support::start_with(|c| {
        c.webhooks = vec![hook("rx", &url, &AFTER_EVENTS)];
        c.webhook_retry_max = Duration::from_millis(500);
    })
    .await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    send_n(&mut alice, "alice", "bob", "up", 20).await;
    let st = admin.get("/admin/webhooks/rx").await;
    assert_eq!(st.status, 200, "{:?}", st.body);
    let first_batch = st.body["last_seq"].as_u64().unwrap();
    assert!(
        rx.wait_for_all("rx", first_batch, WAIT).await,
        "first batch delivered"
    );

    // The receiver goes down: events queue up, attempts are counted.
    rx.stop().await;
    send_n(&mut alice, "alice", "bob", "down", 20).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let st = admin.get("/admin/webhooks/rx").await.body;
    assert!(st["pending"].as_u64().unwrap() >= 20, "{st}");
    assert!(st["attempts"].as_u64().unwrap() >= 1, "{st}");
    assert!(st["last_error"].as_str().is_some(), "{st}");
    assert_eq!(st["delivered_seq"].as_u64().unwrap(), first_batch, "{st}");

    // The server restarts while the receiver is still down.
    drop(alice);
    drop(bob);
    let server = server.restart().await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    bob = server.user("bob").await;
    send_n(&mut alice, "alice", "bob", "after", 20).await;
    let st = admin.get("/admin/webhooks/rx").await.body;
    assert!(
        st["pending"].as_u64().unwrap() >= 40,
        "queue kept across the restart: {st}"
    );

    // The receiver comes back: everything arrives, in order.
    rx.start_again().await;
    let last = admin.get("/admin/webhooks/rx").await.body["last_seq"]
        .as_u64()
        .unwrap();
    assert!(
        rx.wait_for_all("rx", last, Duration::from_secs(30)).await,
        "all {last} delivered"
    );
    let got = rx.after();
    let (events, delivered, duplicates, lost) = figures(&got, "rx", last);
    println!("webhooks: events={events} delivered={delivered} duplicates={duplicates} lost={lost}");
    assert_eq!(lost, 0);
    assert_eq!(delivered, events);
    rx.with_log(|l| {
        assert_eq!(l.bad_signatures, 0);
        assert!(l.out_of_order.is_empty(), "{:?}", l.out_of_order);
    });
    // The 60 messages, in the order sent, each once per number.
    let mut texts: Vec<(u64, String)> = got
        .iter()
        .filter(|g| g.event == "message.stored")
        .map(|g| {
            (
                g.seq,
                g.body["data"]["message"]["content"]["text"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    texts.sort();
    texts.dedup();
    let expected: Vec<String> = ["up", "down", "after"]
        .iter()
        .flat_map(|p| (0..20).map(move |i| format!("{p} {i}")))
        .collect();
    assert_eq!(texts.into_iter().map(|t| t.1).collect::<Vec<_>>(), expected);
    for kind in ["user.created", "user.online", "message.stored"] {
        assert!(got.iter().any(|g| g.event == kind), "a {kind} event");
    }
    // The receiver has logged the last event before its answer reaches the server,
    // which records the delivery then: the status catches up within moments.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let st = loop {
        let st = admin.get("/admin/webhooks/rx").await.body;
        if st["pending"] == 0 || tokio::time::Instant::now() > deadline {
            break st;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(st["pending"], 0, "{st}");
    assert_eq!(st["delivered_seq"], st["last_seq"], "{st}");
    drop(bob);
    server.stop().await;
}

#[tokio::test]
async fn replay_from_a_number_repeats_the_same_events_in_order() {
    let rx = Receiver::start().await;
    let url = rx.url();
    let server = admin_support::start_with(|c| {
        c.webhooks = vec![hook("rx", &url, &["message.stored"])];
    })
    .await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    send_n(&mut alice, "alice", "bob", "m", 10).await;
    assert!(rx.wait_for_all("rx", 10, WAIT).await);
    let before = rx.after().len();
    assert_eq!(before, 10);

    let r = admin
        .post("/admin/webhooks/rx/replay", json!({ "from": 4 }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["replayed"], 7);
    let deadline = tokio::time::Instant::now() + WAIT;
    while rx.after().len() < 17 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = rx.after();
    let again: Vec<u64> = got[10..].iter().map(|g| g.seq).collect();
    assert_eq!(again, (4..=10).collect::<Vec<_>>());
    let (events, delivered, duplicates, lost) = figures(&got, "rx", 10);
    assert_eq!((events, delivered, duplicates, lost), (10, 10, 7, 0));

    // Errors: no secret, wrong secret, unknown endpoint, bad bodies.
    let anon = Admin::without_secret(&server);
    assert_eq!(anon.get("/admin/webhooks").await.status, 401);
    assert_eq!(
        anon.post("/admin/webhooks/rx/replay", json!({ "from": 1 }))
            .await
            .status,
        401
    );
    assert_eq!(admin.get("/admin/webhooks/nope").await.status, 404);
    assert_eq!(
        admin
            .post("/admin/webhooks/nope/replay", json!({ "from": 1 }))
            .await
            .status,
        404
    );
    let zero = admin
        .post("/admin/webhooks/rx/replay", json!({ "from": 0 }))
        .await;
    assert_eq!((zero.status, zero.code()), (400, 1002));
    let bad = admin
        .post("/admin/webhooks/rx/replay", json!({ "from": "x" }))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.message().contains("from"), "{}", bad.message());
    let list = admin.get("/admin/webhooks").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["webhooks"][0]["endpoint"], "rx");
    assert_eq!(list.body["webhooks"][0]["last_seq"], 10);
    server.stop().await;
}

#[tokio::test]
async fn a_full_queue_drops_new_events_and_counts_them() {
    // Nobody listens on this port: nothing is ever delivered.
    let port = common::cluster::free_port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let server = admin_support::start_with(|c| {
        c.webhooks = vec![hook("dead", &url, &["message.stored"])];
        c.webhook_queue_max = 5;
    })
    .await;
    let admin = Admin::new(&server);
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    send_n(&mut alice, "alice", "bob", "m", 12).await;
    let st = admin.get("/admin/webhooks/dead").await.body;
    assert_eq!(st["last_seq"], 5, "{st}");
    assert_eq!(st["pending"], 5, "{st}");
    assert_eq!(st["dropped"], 7, "{st}");
    assert_eq!(st["oldest_kept_seq"], 1, "{st}");
    assert_eq!(st["delivered_seq"], 0, "{st}");
    // The messages themselves were stored and delivered all the same.
    let (pulled, _) = alice.pull_all(&dm("alice", "bob"), 1, 12, 50).await;
    assert_eq!(pulled.len(), 12);
    server.stop().await;
}
