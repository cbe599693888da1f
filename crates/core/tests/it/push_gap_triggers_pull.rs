//! A pushed message whose seq jumps past the next expected one reveals a gap; the
//! client pulls exactly the missing range, and a repeated push is not stored twice.
//! The real server never skips, so a scripted WebSocket server plays it here.

use crate::common;
use crate::scripted;

use common::{wait_for, WAIT};
use futures_util::{SinkExt, StreamExt};
use tern_core::proto::{
    ClientFrame, ClientMsgId, Content, ConversationId, Message, MsgId, Push, Request, Response,
    Seq, ServerFrame, UserId,
};
use tern_core::{Client, ClientConfig, Event};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as Ws;

fn msg(conv: &ConversationId, seq: u64) -> Message {
    Message {
        conv: conv.clone(),
        seq: Seq(seq),
        id: MsgId(seq),
        client_id: ClientMsgId::new(format!("b{seq}")).unwrap(),
        sender: UserId::new("bob").unwrap(),
        sent_at: 1_000 + seq as i64,
        content: Content::Text {
            text: format!("m{seq}"),
        },
        ext: None,
        edited_at: None,
        reply_to: None,
        mentions: None,
    }
}

fn answer(req: &Request, conv: &ConversationId) -> Response {
    if let Some(r) = scripted::handshake(req) {
        return r;
    }
    match req {
        Request::Pull { from, to, .. } => Response::Messages {
            messages: (from.0..=to.0).map(|s| msg(conv, s)).collect(),
        },
        _ => Response::Done,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_past_a_gap_pulls_the_missing_range() {
    let alice = UserId::new("alice").unwrap();
    let conv = ConversationId::direct(&alice, &UserId::new("bob").unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (pulls_tx, mut pulls) = mpsc::unbounded_channel();
    let server_conv = conv.clone();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        while let Some(Ok(Ws::Text(text))) = ws.next().await {
            let frame = ClientFrame::decode(&text).unwrap();
            if let Request::Pull { from, to, .. } = &frame.req {
                pulls_tx.send((from.0, to.0)).unwrap();
            }
            let res = answer(&frame.req, &server_conv);
            let ok = ServerFrame::Ok { id: frame.id, res }.encode();
            ws.send(Ws::Text(ok.into())).await.unwrap();
            if matches!(frame.req, Request::Conversations) {
                // Initial sync done: push seq 1, then seq 4 (2 and 3 never pushed), then 4 again.
                for seq in [1, 4, 4] {
                    let push = ServerFrame::Push {
                        push: Push::Message {
                            message: msg(&server_conv, seq),
                        },
                    };
                    ws.send(Ws::Text(push.encode().into())).await.unwrap();
                }
            }
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(ClientConfig::new(dir.path(), format!("ws://{addr}"))).unwrap();
    let mut rx = client.subscribe();
    client.login(&alice, "password123").await.unwrap();

    let pull = tokio::time::timeout(WAIT, pulls.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pull, (2, 3), "exactly the missing range is pulled");
    let mut seqs = Vec::new();
    while seqs.len() < 4 {
        if let Event::NewMessage {
            message,
            live: true,
        } = wait_for(&mut rx, |e| matches!(e, Event::NewMessage { .. })).await
        {
            seqs.push(message.seq.unwrap().0);
        }
    }
    assert_eq!(seqs, [1, 4, 2, 3]);
    let page = client.messages(&conv, None, 10).await.unwrap();
    assert_eq!(
        page.iter().map(|m| m.seq.unwrap().0).collect::<Vec<_>>(),
        [1, 2, 3, 4],
        "no duplicate of 4"
    );
    let c = client.conversation(&conv).await.unwrap().unwrap();
    assert_eq!((c.max_seq.0, c.unread), (4, 4));
    assert!(pulls.try_recv().is_err(), "no further pulls");
    client.close().await;
}
