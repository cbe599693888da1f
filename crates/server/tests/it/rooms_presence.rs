//! Chat-room membership follows presence: a member whose every connection
//! has gone drops out after the grace period (a short setting here), one who
//! comes back within it stays; and a 2,000-member room delivers one message
//! to every member (bounded time).

use crate::common;
use crate::rooms_support;

use std::time::{Duration, Instant};

use common::{register, Client, TestServer};
use futures_util::stream::{self, StreamExt};
use rooms_support::*;
use tern_proto::Platform;

#[tokio::test]
async fn a_disconnected_member_drops_out_after_the_grace_period() {
    let server = TestServer::start_with(|c| c.rooms.grace = Duration::from_secs(5)).await;
    let mut alice = server.user("alice").await;
    let room = create_room(&mut alice, "lobby").await.room;
    let mut bob = server.user("bob").await;
    join(&mut bob, &room).await;
    let mut carol = server.user("carol").await;
    join(&mut carol, &room).await;

    drop(bob);
    // Carol is back within the grace period (a new connection).
    drop(carol);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut carol = server.user("carol").await;
    assert_eq!(
        member_ids(&mut alice, &room).await,
        ["alice", "bob", "carol"]
    );

    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(member_ids(&mut alice, &room).await, ["alice", "carol"]);
    send(&mut alice, &room, "still here?").await;
    assert_eq!(texts(&[next_message(&mut carol).await]), ["still here?"]);
    server.stop().await;
}

/// A grace period still running does not hold up a shutdown: the pending
/// drop of a member who just left and the sweep after the start (both 60 s
/// by default) give way, so the server stops as soon as its connections
/// have closed. (They kept the server's state alive: every shutdown waited
/// out two 10 s timeouts.)
#[tokio::test]
async fn a_pending_grace_period_does_not_hold_up_a_shutdown() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let room = create_room(&mut alice, "lobby").await.room;
    let mut bob = server.user("bob").await;
    join(&mut bob, &room).await;
    drop(bob);
    drop(alice);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(8), server.stop())
        .await
        .expect("the shutdown waited for the grace period");
    eprintln!("shutdown took {:?}", started.elapsed());
}

const MEMBERS: usize = 2_000;

#[tokio::test]
async fn two_thousand_members_each_get_the_message() {
    let server = TestServer::start_with(|c| {
        c.rooms.max_members = MEMBERS as u32 + 1;
        // Joined members wait idle while the others log in.
        c.idle_timeout = Duration::from_secs(900);
    })
    .await;
    let mut owner = server.user("owner").await;
    let room = create_room(&mut owner, "big").await.room;
    let started = Instant::now();
    let clients: Vec<Client> = stream::iter(0..MEMBERS)
        .map(|i| {
            let (server, room) = (&server, room.clone());
            async move {
                // Generous waits: 2,000 logins on a loaded 2-core machine.
                let name = format!("u{i:04}");
                let mut c = Client::greeted(server.addr()).await;
                c.wait = Duration::from_secs(120);
                let _ = c.request(register(&name)).await;
                c.login(&name, "dev", Platform::Desktop).await.unwrap();
                join(&mut c, &room).await;
                c
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let joined = started.elapsed();
    let info = join(&mut owner, &room).await.0;
    assert_eq!(info.member_count as usize, MEMBERS + 1);

    let sent = Instant::now();
    send(&mut owner, &room, "to everyone").await;
    let got: Vec<u64> = stream::iter(clients)
        .map(|mut c| async move {
            let m = tokio::time::timeout(Duration::from_secs(60), next_message(&mut c))
                .await
                .expect("every member gets the message");
            m.seq
        })
        .buffer_unordered(256)
        .collect()
        .await;
    assert_eq!(got.len(), MEMBERS);
    assert!(got.iter().all(|s| *s == 1));
    eprintln!(
        "{MEMBERS} members joined in {joined:?}; one message reached all in {:?}",
        sent.elapsed()
    );
    server.stop().await;
}
