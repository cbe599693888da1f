//! The first sync brings several conversations up to date at once: while one
//! conversation's page is on its way, the next conversations' pulls are already
//! out (one at a time, the client's database sat idle half the sync, waiting).
//! A scripted server holds each pull's answer until a pull for another
//! conversation arrives, or for a second at most.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common;
use crate::scripted;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tern_core::proto::{
    ClientFrame, ConversationId, ConversationInfo, Message, Request, Response, ServerFrame, UserId,
};
use tern_core::Event;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as Ws;

const CHATS: u64 = 6;
const PER_CHAT: u64 = 3;

fn conv(i: u64) -> ConversationId {
    let me = UserId::new("alice").unwrap();
    ConversationId::direct(&me, &UserId::new(format!("peer{i}")).unwrap())
}

fn msg(conv: &ConversationId, seq: u64) -> Message {
    let peer = conv
        .peer_of(&UserId::new("alice").unwrap())
        .unwrap()
        .clone();
    serde_json::from_value(json!({
        "conv": conv, "seq": seq, "id": seq, "client_id": format!("{peer}-{seq}"),
        "sender": peer, "sent_at": 1_000 + seq,
        "content": {"type": "text", "text": format!("m{seq}")}
    }))
    .unwrap()
}

fn answer(req: &Request) -> Response {
    match req {
        Request::Conversations => Response::Conversations {
            conversations: (0..CHATS)
                .map(|i| {
                    serde_json::from_value::<ConversationInfo>(json!({
                        "conv": conv(i), "max_seq": PER_CHAT, "read_seq": 0,
                        "unread": PER_CHAT, "last": null
                    }))
                    .unwrap()
                })
                .collect(),
        },
        Request::Pull { conv, from, to, .. } => Response::Messages {
            messages: (from.0..=to.0).map(|s| msg(conv, s)).collect(),
        },
        other => scripted::handshake(other).unwrap_or(Response::Done),
    }
}

/// Serves one connection; reports the most conversations whose pulls were
/// waiting for an answer at the same time.
async fn serve(listener: tokio::net::TcpListener, most: oneshot::Sender<usize>) {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let mut held: Vec<ClientFrame> = Vec::new();
    let mut most_at_once = 0;
    let mut most = Some(most);
    loop {
        let deadline = tokio::time::sleep(Duration::from_secs(1));
        let frame = tokio::select! {
            next = ws.next() => match next {
                Some(Ok(Ws::Text(text))) => Some(ClientFrame::decode(&text).unwrap()),
                Some(Ok(_)) => continue,
                _ => break,
            },
            () = deadline, if !held.is_empty() => None,
        };
        let release = match frame {
            Some(f) if matches!(f.req, Request::Pull { .. }) => {
                held.push(f);
                let convs: BTreeSet<String> = held
                    .iter()
                    .filter_map(|f| match &f.req {
                        Request::Pull { conv, .. } => Some(conv.to_string()),
                        _ => None,
                    })
                    .collect();
                most_at_once = most_at_once.max(convs.len());
                convs.len() > 1
            }
            Some(f) => {
                let ok = ServerFrame::Ok {
                    id: f.id,
                    res: answer(&f.req),
                }
                .encode();
                ws.send(Ws::Text(ok.into())).await.unwrap();
                false
            }
            // A second without a pull for another conversation.
            None => true,
        };
        if release {
            for f in held.drain(..) {
                let ok = ServerFrame::Ok {
                    id: f.id,
                    res: answer(&f.req),
                }
                .encode();
                ws.send(Ws::Text(ok.into())).await.unwrap();
            }
        }
        if let Some(tx) = most.take_if(|_| most_at_once > 1) {
            let _ = tx.send(most_at_once);
        }
    }
    if let Some(tx) = most.take() {
        let _ = tx.send(most_at_once);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_sync_pulls_several_conversations_at_once() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (most_tx, most_rx) = oneshot::channel();
    tokio::spawn(serve(listener, most_tx));

    let (client, mut rx, _dir) = scripted::alice_logs_in(addr).await;
    let Event::SyncFinished { messages, .. } =
        common::wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(messages, CHATS * PER_CHAT, "every conversation synced");
    client.close().await;
    let most = tokio::time::timeout(Duration::from_secs(10), most_rx)
        .await
        .expect("the scripted server reports")
        .unwrap();
    assert!(
        most > 1,
        "pulls of {most} conversation(s) at most were waiting at once: the sync went one conversation at a time"
    );
}
