//! Blocks hold in chat rooms as in groups (docs/protocol.md § 5.10): a
//! member's room messages do not reach the devices of members who blocked
//! them, live or among the kept messages given on joining; the other way
//! round nothing changes, and unblocking lets later messages through.
//! Runs on SQLite, on PostgreSQL and across two nodes like `rooms`.

use crate::common;
use crate::rooms_support;

use std::time::Duration;

use common::{uid, TestServer};
use rooms_support::*;
use tern_proto::{Platform, Request};

const QUIET: Duration = Duration::from_millis(600);

#[tokio::test]
async fn a_blocked_members_room_messages_do_not_reach_the_blocker() {
    let server = TestServer::start().await;
    let mut alice = server.user("alice").await;
    let mut alice2 = server.device("alice", "phone", Platform::Mobile).await;
    let mut mallory = server.user("mallory").await;
    let mut carol = server.user("carol").await;
    let room = create_room(&mut alice, "lobby").await.room;
    join(&mut mallory, &room).await;
    join(&mut carol, &room).await;
    alice
        .ok(Request::Block {
            user: uid("mallory"),
        })
        .await;

    send(&mut mallory, &room, "spam").await;
    // Carol gets it; neither of Alice's devices does.
    assert_eq!(texts(&[next_message(&mut carol).await]), ["spam"]);
    assert!(messages_within(&mut alice, QUIET).await.is_empty());
    assert!(messages_within(&mut alice2, QUIET).await.is_empty());

    // One-way: Mallory still gets Alice's messages.
    send(&mut alice, &room, "hello all").await;
    assert_eq!(texts(&[next_message(&mut mallory).await]), ["hello all"]);
    assert_eq!(texts(&[next_message(&mut alice2).await]), ["hello all"]);

    // Joining (again) gives the kept messages without the blocked sender's.
    alice.ok(Request::LeaveRoom { room: room.clone() }).await;
    let (_, recent) = join(&mut alice, &room).await;
    assert_eq!(texts(&recent), ["hello all"]);
    // Carol, who blocked nobody, sees both.
    carol.ok(Request::LeaveRoom { room: room.clone() }).await;
    assert_eq!(
        texts(&join(&mut carol, &room).await.1),
        ["spam", "hello all"]
    );

    // Unblocked, Mallory's next message comes through.
    alice
        .ok(Request::Unblock {
            user: uid("mallory"),
        })
        .await;
    messages_within(&mut alice2, QUIET).await;
    send(&mut mallory, &room, "sorry").await;
    assert_eq!(texts(&[next_message(&mut alice).await]), ["sorry"]);
    assert_eq!(texts(&[next_message(&mut alice2).await]), ["sorry"]);
    server.stop().await;
}
