//! tern-core fails over between the nodes of a cluster: with `fallback_urls`
//! it logs in through the next URL when the first cannot be reached, and when
//! its node stops it reconnects to another node, where messages keep flowing
//! (pushed across nodes on PostgreSQL + NATS; on SQLite, one server behind a
//! dead first URL).

use crate::cluster_support;
use crate::common;

use std::time::Duration;

use common::cluster::{free_port, Nats};
use common::*;
use tern_core::{ClientConfig, Event};
use tokio::sync::broadcast;

fn client(dir: &std::path::Path, urls: &[String]) -> tern_core::Client {
    let mut c = ClientConfig::new(dir.to_path_buf(), urls[0].clone());
    c.fallback_urls = urls[1..].to_vec();
    c.connection.request_timeout_ms = 3_000;
    c.connection.backoff_initial_ms = 100;
    c.connection.backoff_max_ms = 500;
    tern_core::Client::new(c).unwrap()
}

async fn got(rx: &mut broadcast::Receiver<Event>, text: &str) {
    let fut = async {
        loop {
            match rx.recv().await {
                Ok(Event::NewMessage { message, .. })
                    if matches!(&message.content,
                        tern_proto::Content::Text { text: t } if t == text) =>
                {
                    return
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .unwrap_or_else(|_| panic!("`{text}` never arrived"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tern_core_logs_in_through_the_next_url_and_fails_over_when_its_node_stops() {
    let dead = format!("ws://127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    if !on_postgres() {
        let server = TestServer::start().await;
        let alice = client(da.path(), &[dead, format!("ws://{}", server.addr())]);
        alice.register(&uid("alice"), PASSWORD).await.unwrap();
        alice.login(&uid("alice"), PASSWORD).await.unwrap();
        let mut bob = server.user("bob").await;
        let mut rx = alice.subscribe();
        bob.ok(text_msg(&dm("alice", "bob"), "b1", "via the fallback"))
            .await;
        got(&mut rx, "via the fallback").await;
        alice.logout().await.unwrap();
        server.stop().await;
        return;
    }
    let nats = Nats::start();
    let n1 = cluster_support::node(dir.path(), &nats, "n1").await;
    let n2 = cluster_support::node(dir.path(), &nats, "n2").await;
    let url = |a: std::net::SocketAddr| format!("ws://{a}");
    // alice prefers n1, then n2; bob sits on n2.
    let alice = client(da.path(), &[dead, url(n1.addr()), url(n2.addr())]);
    let bob = client(db.path(), &[url(n2.addr())]);
    alice.register(&uid("alice"), PASSWORD).await.unwrap();
    bob.register(&uid("bob"), PASSWORD).await.unwrap();
    alice.login(&uid("alice"), PASSWORD).await.unwrap();
    bob.login(&uid("bob"), PASSWORD).await.unwrap();
    let mut rx = alice.subscribe();
    let conv = dm("alice", "bob");
    bob.send_text(&conv, "to n1").await.unwrap();
    got(&mut rx, "to n1").await;

    // n1 goes away: alice reconnects to n2 on her own and keeps receiving.
    n1.shutdown().await;
    let fut = async {
        loop {
            if let Ok(Event::Connected) = rx.recv().await {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .expect("alice reconnected to another node");
    bob.send_text(&conv, "after failover").await.unwrap();
    got(&mut rx, "after failover").await;
    alice.logout().await.unwrap();
    bob.logout().await.unwrap();
    n2.shutdown().await;
}
