//! A client reconnecting in a loop (docs/security.md, "Presence"): each
//! login and each disconnect announced the user's presence to every friend
//! and queued a `user.online` / `user.offline` webhook event, so one account
//! could flood its friends and fill the operator's event queue (100,000
//! events; past it other users' events are dropped). Now a user's presence
//! is announced at most once per second, and what is announced after a burst
//! is the state they ended in (per node: in a cluster each node spaces the
//! announcements of the connections it holds).

use crate::common;
use crate::webhook_support;

use std::time::{Duration, Instant};

use common::*;
use tern_proto::{Platform, Push};
use tern_server::webhook_config::WebhookConfig;
use webhook_support::{Receiver, SECRET};

const CYCLES: usize = 30;

#[tokio::test]
async fn a_reconnect_loop_is_announced_once_per_second() {
    let rx = Receiver::start().await;
    let url = rx.url();
    let server = TestServer::start_with(move |c| {
        c.webhooks = vec![WebhookConfig::new(
            "rx",
            &url,
            SECRET,
            &["user.online", "user.offline"],
        )];
    })
    .await;
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice.befriend(&mut bob).await;
    drop(bob);
    // Past the gap of bob's offline (announced up to a second late), so the
    // loop's first login is announced at once.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    alice.drain_pushes(Duration::from_millis(100)).await;
    let events_before = rx.after().len();

    let started = Instant::now();
    for _ in 0..CYCLES {
        let mut c = Client::greeted(server.addr()).await;
        c.login("bob", "loop", Platform::Desktop).await.unwrap();
        drop(c);
    }
    let took = started.elapsed();
    // The gap's end, plus time for the last announcement to arrive.
    let pushes = alice.drain_pushes(Duration::from_millis(2500)).await;
    let seen: Vec<bool> = pushes
        .iter()
        .filter_map(|p| match p {
            Push::Presence { user, online } if user.as_str() == "bob" => Some(*online),
            _ => None,
        })
        .collect();
    // One announcement at once, then at most one per second of the loop
    // (each node of a cluster spaces its own: logins alternate between them).
    let most = (2 + took.as_secs() as usize) * (1 + server.peers.len());
    assert!(
        seen.len() <= most,
        "{} presence pushes for {CYCLES} reconnects in {took:?}: {seen:?}",
        seen.len()
    );
    assert_eq!(
        seen.first(),
        Some(&true),
        "the first login at once: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&false), "bob ended offline: {seen:?}");

    let bob_events = || -> Vec<String> {
        rx.after()[events_before..]
            .iter()
            .filter(|g| g.body["data"]["user"] == "bob")
            .map(|g| g.event.clone())
            .collect()
    };
    // Delivery is asynchronous: wait (bounded) for the offline event.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut events = bob_events();
    while events.last().map(String::as_str) != Some("user.offline") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        events = bob_events();
    }
    assert!(events.len() <= most, "{} events: {events:?}", events.len());
    assert_eq!(events.first().map(String::as_str), Some("user.online"));
    assert_eq!(events.last().map(String::as_str), Some("user.offline"));
    server.stop().await;
}

/// What is announced at the end of a gap is the user's state then, wherever
/// they are connected, not what this node announced last: with bob's phone on
/// one node and his desktop on the other (in a cluster), the desktop's node
/// says "offline" after both drop; the phone then comes back on the first
/// node, which had last announced "online" itself, and must say so again.
#[tokio::test]
async fn a_return_is_announced_even_where_online_was_announced_last() {
    let server = TestServer::start().await;
    let nodes = server.addrs();
    let (first, second) = (nodes[0], *nodes.last().unwrap());
    let mut alice = server.user("alice").await;
    let mut bob = server.user("bob").await;
    alice.befriend(&mut bob).await;
    drop(bob);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    alice.drain_pushes(Duration::from_millis(100)).await;

    let login = |addr, device: &'static str| async move {
        let mut c = Client::greeted(addr).await;
        c.login("bob", device, Platform::Desktop).await.unwrap();
        c
    };
    let phone = login(first, "phone").await;
    let desktop = login(second, "desktop").await;
    drop(phone);
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(desktop);
    let last = |ps: &[Push]| {
        ps.iter().rev().find_map(|p| match p {
            Push::Presence { user, online } if user.as_str() == "bob" => Some(*online),
            _ => None,
        })
    };
    let seen = alice.drain_pushes(Duration::from_millis(2500)).await;
    assert_eq!(last(&seen), Some(false), "bob is offline: {seen:?}");
    // Back on the first node within a second of its last announcement or not:
    // alice must end up seeing him online.
    let _phone = login(first, "phone").await;
    let seen = alice.drain_pushes(Duration::from_millis(2500)).await;
    assert_eq!(last(&seen), Some(true), "bob is online again: {seen:?}");
    server.stop().await;
}
