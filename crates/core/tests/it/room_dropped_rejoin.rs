//! A grace-period drop (`room_left`, `dropped`) can reach a session that is
//! connected again and has rejoined the room: the server decided while the
//! user was away, the rejoin after the reconnect crossed it. tern-core then
//! joins again instead of taking the room off its list, so the list and the
//! server agree; only a refused join ends it, with a `RoomLeft` event. The
//! real server's timing makes this a race, so a scripted server plays it.

use crate::scripted;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tern_core::proto::{
    ClientFrame, ErrorCode, Push, Request, Response, RoomId, RoomInfo, RoomLeftReason, ServerFrame,
    UserId, WireError,
};
use tern_core::{Client, ClientConfig, Event};
use tokio_tungstenite::tungstenite::Message as Ws;

fn room_info(room: &RoomId) -> RoomInfo {
    RoomInfo {
        room: room.clone(),
        name: "Night owls".into(),
        owner: UserId::new("carol").unwrap(),
        member_count: 2,
        created_at: 0,
    }
}

/// Serves one connection: the first `join_room` is answered and followed
/// (300 ms later) by a `room_left` (`dropped`) push; a later one is answered
/// by `second`.
/// Counts the `join_room`s.
async fn scripted(second: Result<(), ErrorCode>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let joins = Arc::new(AtomicUsize::new(0));
    let counted = joins.clone();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        while let Some(Ok(Ws::Text(text))) = ws.next().await {
            let frame = ClientFrame::decode(&text).unwrap();
            let mut out = vec![];
            let mut drop_later = None;
            match &frame.req {
                Request::JoinRoom { room } => {
                    let n = counted.fetch_add(1, Ordering::SeqCst);
                    let joined = ServerFrame::Ok {
                        id: frame.id,
                        res: Response::RoomJoined {
                            room: room_info(room),
                            recent: vec![],
                        },
                    };
                    match (n, second) {
                        (0, _) => {
                            out.push(joined);
                            drop_later = Some(room.clone());
                        }
                        (_, Ok(())) => out.push(joined),
                        (_, Err(code)) => out.push(ServerFrame::Err {
                            id: Some(frame.id),
                            err: WireError::new(code, "no such room"),
                        }),
                    }
                }
                req => out.push(ServerFrame::Ok {
                    id: frame.id,
                    res: scripted::handshake(req).unwrap_or(Response::Done),
                }),
            }
            for f in out {
                ws.send(Ws::Text(f.encode().into())).await.unwrap();
            }
            if let Some(room) = drop_later {
                // After the client has taken the answer (and listed the room).
                tokio::time::sleep(Duration::from_millis(300)).await;
                let push = ServerFrame::Push {
                    push: Push::RoomLeft {
                        room,
                        reason: RoomLeftReason::Dropped,
                        banned_until: None,
                    },
                };
                ws.send(Ws::Text(push.encode().into())).await.unwrap();
            }
        }
    });
    (url, joins)
}

/// Signed in, with the first sync and the rejoin of the session's rooms done.
async fn signed_in(
    url: String,
    dir: &std::path::Path,
) -> (Client, tokio::sync::broadcast::Receiver<Event>) {
    let client = Client::new(ClientConfig::new(dir, url)).unwrap();
    let mut rx = client.subscribe();
    client
        .login(&UserId::new("alice").unwrap(), "password123")
        .await
        .unwrap();
    let synced = async { while !matches!(rx.recv().await, Ok(Event::SyncFinished { .. })) {} };
    tokio::time::timeout(Duration::from_secs(10), synced)
        .await
        .expect("the first sync finished");
    // The supervisor rejoins the session's rooms right after the sync: let it
    // run (on an empty list) before the test joins, or it would join twice.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (client, rx)
}

/// The `RoomLeft` events within `d`.
async fn room_left_within(
    rx: &mut tokio::sync::broadcast::Receiver<Event>,
    d: Duration,
) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + d;
    let mut got = vec![];
    while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if matches!(e, Event::RoomLeft { .. }) {
            got.push(e);
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_crossing_a_rejoin_joins_again_and_keeps_the_room() {
    let (url, joins) = scripted(Ok(())).await;
    let dir = tempfile::tempdir().unwrap();
    let (client, mut rx) = signed_in(url, dir.path()).await;
    let room = RoomId::new("rnightowls").unwrap();
    client.join_room(&room).await.unwrap();

    assert!(room_left_within(&mut rx, Duration::from_millis(800))
        .await
        .is_empty());
    assert_eq!(
        joins.load(Ordering::SeqCst),
        2,
        "joined again after the drop"
    );
    assert_eq!(client.joined_rooms(), vec![room]);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_whose_rejoin_is_refused_leaves_the_room() {
    let (url, joins) = scripted(Err(ErrorCode::NotFound)).await;
    let dir = tempfile::tempdir().unwrap();
    let (client, mut rx) = signed_in(url, dir.path()).await;
    let room = RoomId::new("rnightowls").unwrap();
    client.join_room(&room).await.unwrap();

    let left = room_left_within(&mut rx, Duration::from_millis(800)).await;
    assert!(
        matches!(&left[..], [Event::RoomLeft { room: r, reason: RoomLeftReason::Dropped, .. }] if r == &room),
        "{left:?}"
    );
    assert_eq!(joins.load(Ordering::SeqCst), 2);
    assert!(client.joined_rooms().is_empty());
    client.close().await;
}
