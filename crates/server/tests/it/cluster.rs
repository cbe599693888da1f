//! A cluster of tern-server nodes over one PostgreSQL database and a real
//! nats-server (TERN_TEST_DATABASE; scripts/test-cluster.sh and
//! scripts/test-postgres.sh run this file): pushes, kicks, presence and the
//! admin session list across nodes; a push lost with the bus is caught up by
//! tern-core's periodic check within its interval; a SIGKILLed node's users go
//! offline for their friends within the documented bound; three nodes serve
//! files from one shared directory. Without PostgreSQL: a bus over SQLite is
//! refused at start, and `/metrics` and `/health` work on a single node.

use crate::admin_support;
use crate::cluster_support;
use crate::common;

use std::time::{Duration, Instant};

use admin_support::Admin;
use cluster_support::{node, Proc};
use common::cluster::Nats;
use common::*;
use tern_core::{ClientConfig, Event};
use tern_proto::{KickReason, Platform, Push, Request};
use tokio::sync::broadcast;

async fn presence(c: &mut Client, who: &str, online: bool) -> Push {
    c.push_where(
        |p| matches!(p, Push::Presence { user, online: o } if user.as_str() == who && *o == online),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bus_over_sqlite_is_refused_and_metrics_and_health_work_on_one_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = tern_server::Config::for_tests(dir.path());
    c.database = tern_server::config::Database::DefaultSqlite;
    c.bus = Some("nats://127.0.0.1:1".into());
    let Err(e) = tern_server::spawn(c).await else {
        panic!("a cluster on SQLite must be refused");
    };
    assert!(e.to_string().contains("PostgreSQL"), "{e}");

    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let _bob = server.user("bob").await;
    alice.ok(text_msg(&dm("alice", "bob"), "m1", "hi")).await;
    let h = health(server.addr()).await;
    assert_eq!(h["database"], "ok", "{h}");
    assert!(h["node"].as_str().is_some_and(|n| !n.is_empty()), "{h}");
    let text = http_client()
        .get(format!("http://{}/metrics", server.addr()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "tern_messages_in_total 1",
        "tern_logins_total 2",
        "tern_db_write_seconds_count 1",
        "tern_bus_published_total",
        "tern_pushes_sent_total",
        "tern_connections",
    ] {
        let ok = if common::cluster::in_cluster() {
            text.contains(line.split(' ').next().unwrap())
        } else {
            text.lines().any(|l| l.starts_with(line))
        };
        assert!(ok, "no `{line}` in /metrics:\n{text}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_kicks_presence_and_sessions_cross_nodes() {
    if !on_postgres() {
        return; // a cluster needs PostgreSQL; the SQLite run checks the refusal above
    }
    let dir = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let n1 = node(dir.path(), &nats, "n1").await;
    let mut cfg2 = cluster_support::node_config(dir.path(), &nats, "n2");
    cfg2.multi_device = tern_server::MultiDevicePolicy::Single;
    let n2 = tern_server::spawn(cfg2).await.unwrap();
    let connect = Client::greeted;
    let mut alice = connect(n1.addr()).await;
    let _ = alice.request(register("alice")).await;
    alice.login("alice", "a", Platform::Desktop).await.unwrap();
    let mut bob = connect(n2.addr()).await;
    let _ = bob.request(register("bob")).await;
    bob.login("bob", "b", Platform::Desktop).await.unwrap();
    alice.befriend(&mut bob).await;

    // A message from n1 reaches bob on n2 as a push; typing too.
    alice.ok(text_msg(&dm("alice", "bob"), "x1", "hello")).await;
    let got = bob.messages(1).await;
    assert_eq!(got[0].client_id.as_str(), "x1");
    alice
        .ok(Request::Typing {
            conv: dm("alice", "bob"),
        })
        .await;
    bob.push_where(|p| matches!(p, Push::Typing { .. })).await;
    let online = bob
        .ok(Request::GetPresence {
            users: vec![uid("alice")],
        })
        .await;
    assert_eq!(
        online,
        tern_proto::Response::Presence {
            online: vec![uid("alice")]
        },
        "alice (on n1) is online for bob (on n2)"
    );

    // The admin session list covers both nodes.
    let admin = Admin::new_at(n1.addr());
    let list = admin.get("/admin/sessions").await;
    let nodes: Vec<&str> = list.body["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["node"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["n1", "n2"], "{list:?}");

    // Single-device policy on n2: alice logging in there kicks her n1 connection.
    let mut alice2 = connect(n2.addr()).await;
    alice2.login("alice", "a2", Platform::Mobile).await.unwrap();
    let close = alice.closed().await;
    assert_eq!(close.map(|c| u16::from(c.code)), Some(4001));
    assert!(
        alice
            .drain_pushes(Duration::ZERO)
            .await
            .contains(&Push::Kicked {
                reason: KickReason::OtherDevice
            }),
        "the kicked push came first"
    );

    // Admin force-offline through n1 kicks bob's connection on n2.
    let a = admin
        .post("/admin/users/bob/force-offline", serde_json::json!({}))
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(bob.closed().await.map(|c| u16::from(c.code)), Some(4001));

    // Presence: bob gone from n2 is offline for alice (connected to n2 now)
    // only once his last connection anywhere ended.
    let mut carol = connect(n1.addr()).await;
    let _ = carol.request(register("carol")).await;
    carol.login("carol", "c", Platform::Desktop).await.unwrap();
    carol.befriend(&mut alice2).await;
    drop(alice2);
    presence(&mut carol, "alice", false).await;
    n2.shutdown().await;
    n1.shutdown().await;
}

/// tern-core's catch-up interval in this test (the default is 10 s).
const CATCH_UP_MS: u64 = 2_000;

fn core_client(dir: &std::path::Path, addr: std::net::SocketAddr) -> tern_core::Client {
    let mut c = ClientConfig::new(dir.to_path_buf(), format!("ws://{addr}"));
    c.connection.catch_up_interval_ms = CATCH_UP_MS;
    c.connection.backoff_initial_ms = 100;
    c.connection.backoff_max_ms = 1_000;
    tern_core::Client::new(c).unwrap()
}

/// Waits for the `NewMessage` of `text`; returns how long it took and whether it
/// was announced live (to be notified).
async fn next_message(
    rx: &mut broadcast::Receiver<Event>,
    text: &str,
    within: Duration,
) -> (Duration, bool) {
    let start = Instant::now();
    let fut = async {
        loop {
            match rx.recv().await {
                Ok(Event::NewMessage { message, live }) if matches!(&message.content, tern_proto::Content::Text { text: t } if t == text) => {
                    return live
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    };
    let live = tokio::time::timeout(within, fut)
        .await
        .unwrap_or_else(|_| panic!("`{text}` did not arrive within {within:?}"));
    (start.elapsed(), live)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_lost_with_the_bus_is_caught_up_within_the_check_interval() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut nats = Nats::start();
    let n1 = node(dir.path(), &nats, "n1").await;
    let n2 = node(dir.path(), &nats, "n2").await;
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = core_client(da.path(), n1.addr());
    let bob = core_client(db.path(), n2.addr());
    alice.register(&uid("alice"), PASSWORD).await.unwrap();
    bob.register(&uid("bob"), PASSWORD).await.unwrap();
    let mut rx = bob.subscribe();
    alice.login(&uid("alice"), PASSWORD).await.unwrap();
    bob.login(&uid("bob"), PASSWORD).await.unwrap();
    let conv = dm("alice", "bob");

    // With the bus up, the push crosses at once (well within the interval).
    alice.send_text(&conv, "pushed").await.unwrap();
    let (t, live) = next_message(&mut rx, "pushed", Duration::from_secs(10)).await;
    println!("cluster: cross-node push arrived after {t:?}");
    assert!(live);

    // The bus goes down: the push is lost, the periodic check finds the message.
    nats.stop();
    alice.send_text(&conv, "lost push").await.unwrap();
    let bound = Duration::from_millis(CATCH_UP_MS) + Duration::from_secs(3);
    let (t, live) = next_message(&mut rx, "lost push", bound).await;
    // Sent while bob was online: news to notify, not backlog.
    assert!(live, "a message whose push was lost is announced live");
    println!(
        "cluster: with the bus down the message arrived after {t:?} (check every {CATCH_UP_MS} ms)"
    );
    let h = health(n1.addr()).await;
    assert_eq!(h["bus"], "disconnected", "{h}");
    assert_eq!(h["node"], "n1", "{h}");

    // The bus comes back: the nodes reconnect on their own and pushes cross again.
    nats.restart();
    let deadline = Instant::now() + Duration::from_secs(15);
    while health(n1.addr()).await["bus"] != "connected"
        || health(n2.addr()).await["bus"] != "connected"
    {
        assert!(
            Instant::now() < deadline,
            "the nodes did not reconnect to the bus"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    alice.send_text(&conv, "pushed again").await.unwrap();
    next_message(&mut rx, "pushed again", Duration::from_secs(10)).await;
    alice.logout().await.ok();
    bob.logout().await.ok();
    n1.shutdown().await;
    n2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_s_users_go_offline_for_their_friends_within_the_bound() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    // n1 queues user.online / user.offline events for a receiver.
    let rx = crate::webhook_support::Receiver::start().await;
    let mut config = cluster_support::node_config(dir.path(), &nats, "n1");
    config.webhooks = vec![tern_server::webhook_config::WebhookConfig::new(
        "rx",
        &rx.url(),
        crate::webhook_support::SECRET,
        &["user.offline"],
    )];
    let n1 = tern_server::spawn(config).await.unwrap();
    let mut n3 = Proc::start(dir.path(), &nats, "n3");
    let mut alice = Client::greeted(n1.addr()).await;
    let _ = alice.request(register("alice")).await;
    alice.login("alice", "a", Platform::Desktop).await.unwrap();
    let mut carol = Client::greeted(n3.addr).await;
    let _ = carol.request(register("carol")).await;
    carol.login("carol", "c", Platform::Desktop).await.unwrap();
    alice.befriend(&mut carol).await;
    let online = alice
        .ok(Request::GetPresence {
            users: vec![uid("carol")],
        })
        .await;
    assert_eq!(
        online,
        tern_proto::Response::Presence {
            online: vec![uid("carol")]
        }
    );
    alice.drain_pushes(Duration::from_millis(200)).await;

    let killed = Instant::now();
    n3.kill();
    alice.wait = Duration::from_secs(30);
    presence(&mut alice, "carol", false).await;
    let took = killed.elapsed();
    println!("cluster: a SIGKILLed node's user went offline for a friend after {took:?}");
    let bound = Duration::from_millis(tern_server::cluster::DEAD_AFTER_MS as u64)
        + tern_server::cluster::BEAT
        + Duration::from_secs(3);
    assert!(took <= bound, "took {took:?}, bound {bound:?}");
    let online = alice
        .ok(Request::GetPresence {
            users: vec![uid("carol")],
        })
        .await;
    assert_eq!(online, tern_proto::Response::Presence { online: vec![] });
    // The node that found carol gone queued her user.offline event too (it
    // told her friends but queued nothing before).
    let deadline = Instant::now() + Duration::from_secs(10);
    let carol_offline = || {
        rx.after()
            .iter()
            .any(|g| g.event == "user.offline" && g.body["data"]["user"] == "carol")
    };
    while !carol_offline() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        carol_offline(),
        "no user.offline event for carol: {:?}",
        rx.after()
    );
    n1.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_serve_files_from_one_shared_directory() {
    if !on_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shared_files = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let mut nodes = Vec::new();
    for id in ["n1", "n2", "n3"] {
        let mut c = cluster_support::node_config(dir.path(), &nats, id);
        c.files_dir = Some(shared_files.path().to_path_buf());
        nodes.push(tern_server::spawn(c).await.unwrap());
    }
    let mut alice = Client::greeted(nodes[0].addr()).await;
    let _ = alice.request(register("alice")).await;
    alice.login("alice", "a", Platform::Desktop).await.unwrap();
    let mut bob = Client::greeted(nodes[2].addr()).await;
    let _ = bob.request(register("bob")).await;
    bob.login("bob", "b", Platform::Desktop).await.unwrap();
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let token = alice.token.clone().unwrap();
    let file = upload_as(
        nodes[0].addr(),
        &token,
        "a.bin",
        "application/octet-stream",
        bytes.clone(),
    )
    .await;
    let content = tern_proto::Content::File {
        file: tern_proto::FileRef {
            id: file.clone(),
            name: "a.bin".into(),
            size: bytes.len() as u64,
            mime: "application/octet-stream".into(),
        },
    };
    alice
        .ok(Request::Send {
            conv: dm("alice", "bob"),
            client_id: tern_proto::ClientMsgId::new("f1").unwrap(),
            content,
            ext: None,
            after: None,
            reply_to: None,
            mentions: None,
        })
        .await;
    bob.messages(1).await;
    let got = http_client()
        .get(format!(
            "http://{}/files/{}",
            nodes[2].addr(),
            file.as_str()
        ))
        .bearer_auth(bob.token.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(
        got.bytes().await.unwrap().to_vec(),
        bytes,
        "node 3 serves node 1's upload"
    );
    for n in nodes {
        n.shutdown().await;
    }
}
