//! Chat rooms through tern-core against a real server: create, list, join
//! with the recent history, live `RoomMessage` events, kick with a ban
//! (`RoomLeft`), and the rejoin after a reconnect when the server dropped the
//! member meanwhile (a restart with a zero grace period).

use crate::common;

use std::time::Duration;

use common::*;
use tern_core::proto::{Content, ErrorCode, RoomLeftReason};
use tern_core::{Error, Event};

fn text_of(c: &Content) -> &str {
    match c {
        Content::Text { text } => text,
        other => panic!("not text: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_join_receive_and_kick() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;

    let room = alice.create_room("Lobby").await.unwrap();
    assert_eq!(alice.joined_rooms(), vec![room.room.clone()]);
    alice
        .room_send_text(&room.room, "before bob")
        .await
        .unwrap();
    let listed = bob.list_rooms(None, None).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Lobby"]
    );

    let (info, recent) = bob.join_room(&room.room).await.unwrap();
    assert_eq!(info.member_count, 2);
    assert_eq!(recent.len(), 1);
    assert_eq!(text_of(&recent[0].content), "before bob");

    let sent = alice.room_send_text(&room.room, "hi bob").await.unwrap();
    assert_eq!(sent.seq, 2);
    let Event::RoomMessage { message } =
        wait_for(&mut b_rx, |e| matches!(e, Event::RoomMessage { .. })).await
    else {
        unreachable!()
    };
    assert_eq!((message.seq, text_of(&message.content)), (2, "hi bob"));

    let (members, next) = bob.room_members(&room.room, None, None).await.unwrap();
    assert_eq!(members.len(), 2);
    assert!(next.is_none());

    alice.room_kick(&room.room, &uid("bob"), 60).await.unwrap();
    let Event::RoomLeft {
        reason,
        banned_until,
        ..
    } = wait_for(&mut b_rx, |e| matches!(e, Event::RoomLeft { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(reason, RoomLeftReason::Kicked);
    assert!(banned_until.is_some());
    assert!(bob.joined_rooms().is_empty());
    match bob.join_room(&room.room).await {
        Err(Error::Server(e)) => assert_eq!(e.code, ErrorCode::RoomBanned),
        other => panic!("join while banned: {other:?}"),
    }
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_rejoins_the_rooms_of_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let (alice, _a_rx) = user(dir.path(), addr, "alice").await;
    let (bob, mut b_rx) = user(dir.path(), addr, "bob").await;
    let room = alice.create_room("Night owls").await.unwrap().room;
    bob.join_room(&room).await.unwrap();

    // A restart whose grace period is zero: every room member not connected
    // at once is dropped, bob included (his client is still reconnecting).
    server.shutdown().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut config = server_config(dir.path(), Some(addr));
    config.rooms.grace = Duration::ZERO;
    let server = loop {
        match tern_server::spawn(config.clone()).await {
            Ok(s) => break s,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    wait_for(&mut b_rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    // Both clients rejoin on their own after the reconnect, bob's possibly after his
    // sync has finished: alice sends until one of her messages reaches bob (a room
    // has no catch-up, so a message sent before his rejoin never does). Bounded.
    let mut received = None;
    for i in 0..40 {
        let Ok(sent) = alice.room_send_text(&room, &format!("still up? {i}")).await else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        let got = drain(&mut b_rx, Duration::from_millis(500)).await;
        if let Some(message) = got.into_iter().find_map(|e| match e {
            Event::RoomMessage { message } if message.seq == sent.seq => Some(message),
            _ => None,
        }) {
            received = Some(message);
            break;
        }
    }
    let message = received.expect("bob's client rejoined the room after the restart");
    assert!(matches!(&message.content, Content::Text { text } if text.starts_with("still up?")));
    assert_eq!(bob.joined_rooms(), vec![room]);
    alice.close().await;
    bob.close().await;
    server.shutdown().await;
}
