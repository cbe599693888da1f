//! Webhooks in a cluster (docs/webhooks.md, "Several nodes"): two nodes on
//! one PostgreSQL database (a throw-away one of this test, whatever backend
//! the suite runs on) and one nats-server, both configured with the same
//! endpoint. Events queued on either node are numbered in one sequence and
//! delivered by one node only — the holder of the endpoint's lease — with no
//! duplicates while both run; when that node stops, the other takes over and
//! nothing is lost.

use crate::common;
use crate::webhook_support;

use std::collections::BTreeSet;
use std::time::Duration;

use common::cluster::Nats;
use common::*;
use tern_proto::{Platform, Response};
use tern_server::config::Database;
use tern_server::webhook_config::WebhookConfig;
use webhook_support::{figures, Receiver, SECRET};

async fn user_at(addr: std::net::SocketAddr, name: &str) -> Client {
    let mut c = Client::greeted(addr).await;
    let _ = c.request(register(name)).await;
    c.login(name, "dev", Platform::Desktop).await.unwrap();
    c
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

/// Waits until the receiver has every number up to the newest one the
/// database handed out; returns that number.
async fn all_delivered(rx: &Receiver, db: &str) -> u64 {
    let (client, conn) = tokio_postgres::connect(db, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let last: i64 = client
        .query_one(
            "SELECT next_seq - 1 FROM webhook_endpoints WHERE name = 'rx'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        rx.wait_for_all("rx", last as u64, Duration::from_secs(30))
            .await,
        "all {last} delivered"
    );
    last as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_is_delivered_by_one_node_and_another_takes_over_when_it_stops() {
    let pg = TempPg::start();
    let db = pg.create_database("webhooks").await;
    let nats = Nats::start();
    let rx = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = |id: &str| {
        let mut c = tern_server::Config::for_tests(dir.path());
        c.database = Database::Postgres(db.clone());
        c.bus = Some(nats.url());
        c.node_id = Some(id.into());
        c.webhooks = vec![WebhookConfig::new(
            "rx",
            &rx.url(),
            SECRET,
            &["message.stored", "user.created"],
        )];
        c.webhook_retry_max = Duration::from_millis(500);
        c
    };
    let n1 = tern_server::spawn(config("n1")).await.unwrap();
    let n2 = tern_server::spawn(config("n2")).await.unwrap();
    let (a1, a2) = (n1.addr(), n2.addr());
    let mut alice = user_at(a1, "alice").await;
    let mut bob = user_at(a2, "bob").await;
    // Both nodes queue events, interleaved.
    for round in 0..5 {
        send_n(&mut alice, "alice", "bob", &format!("a{round}-"), 4).await;
        send_n(&mut bob, "bob", "alice", &format!("b{round}-"), 4).await;
    }
    let last = all_delivered(&rx, &db).await;
    let got = rx.after();
    let nodes: BTreeSet<String> = got.iter().map(|g| g.node.clone()).collect();
    assert_eq!(nodes.len(), 1, "one node delivers: {nodes:?}");
    let (events, delivered, duplicates, lost) = figures(&got, "rx", last);
    assert_eq!((delivered, duplicates, lost), (events, 0, 0));
    assert_eq!(events, 2 + 40, "two users created, forty messages");

    // The delivering node stops (it gives its lease up); the other one
    // delivers what is queued from now on.
    let holder = nodes.into_iter().next().unwrap();
    let (mut survivor_user, name, peer, survivor) = if holder == "n1" {
        drop(alice);
        n1.shutdown().await;
        (bob, "bob", "alice", n2)
    } else {
        drop(bob);
        n2.shutdown().await;
        (alice, "alice", "bob", n1)
    };
    send_n(&mut survivor_user, name, peer, "later-", 10).await;
    let last = all_delivered(&rx, &db).await;
    let got = rx.after();
    let (events, delivered, duplicates, lost) = figures(&got, "rx", last);
    println!(
        "webhooks (cluster, lease holder {holder} stopped): events={events} delivered={delivered} duplicates={duplicates} lost={lost}"
    );
    assert_eq!(lost, 0);
    assert_eq!(events, 52);
    let after_stop: BTreeSet<&str> = got[42..].iter().map(|g| g.node.as_str()).collect();
    assert!(!after_stop.contains(holder.as_str()), "{after_stop:?}");
    rx.with_log(|l| {
        assert_eq!(l.bad_signatures, 0);
        assert!(l.out_of_order.is_empty(), "{:?}", l.out_of_order);
    });
    drop(survivor_user);
    survivor.shutdown().await;
}
