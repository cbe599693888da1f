//! A group's messages that reach me through the catch-up right after I joined
//! it (they raced the join's push, as in a cluster whose node subscribed to the
//! group a moment late) are live news when sent after I joined, so the app
//! notifies them; older history the same pull brings is not. A scripted server
//! plays the race, which the real one only shows by chance.

use crate::common;
use crate::scripted;

use common::wait_for;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tern_core::proto::{
    Change, ClientFrame, ConversationId, ConversationInfo, GroupInfo, GroupMember, Message, Push,
    Request, Response, ServerFrame, VersionedChange,
};
use tern_core::Event;
use tokio_tungstenite::tungstenite::Message as Ws;

/// When alice joined (server time, ms).
const JOINED_AT: i64 = 5_000;

fn group() -> GroupInfo {
    serde_json::from_value(json!({
        "group": "9f3c1a7e52b04d18", "name": "Climbing club", "avatar": null, "notice": "",
        "owner": "bob", "join_policy": "open", "all_muted": false, "member_count": 2,
        "created_at": 1_000, "history_visible": true
    }))
    .unwrap()
}

fn conv() -> ConversationId {
    ConversationId::Group(group().group)
}

/// Seq 1 was sent before alice joined, seq 2 after.
fn msg(seq: u64) -> Message {
    let sent_at = if seq == 1 { 4_000 } else { 6_000 };
    serde_json::from_value(json!({
        "conv": conv(), "seq": seq, "id": seq, "client_id": format!("b{seq}"),
        "sender": "bob", "sent_at": sent_at,
        "content": {"type": "text", "text": format!("m{seq}")}
    }))
    .unwrap()
}

fn joined() -> VersionedChange {
    let member: GroupMember = serde_json::from_value(json!({
        "user": "alice", "role": "member", "muted_until": null, "joined_at": JOINED_AT
    }))
    .unwrap();
    VersionedChange {
        version: 1,
        change: Change::GroupJoined {
            group: group(),
            member,
            by: Some("bob".parse().unwrap()),
        },
    }
}

/// Answers after the join: the change log holds it, the group has two messages.
fn answer(req: &Request, after_join: bool) -> Response {
    match req {
        Request::SyncChanges { since, .. } if after_join => Response::Changes {
            changes: if *since < 1 { vec![joined()] } else { vec![] },
            latest: 1,
        },
        Request::Conversations if after_join => Response::Conversations {
            conversations: vec![serde_json::from_value::<ConversationInfo>(json!({
                "conv": conv(), "max_seq": 2, "read_seq": 0, "unread": 2, "last": null
            }))
            .unwrap()],
        },
        Request::Pull { from, to, .. } => Response::Messages {
            messages: (from.0..=to.0).map(msg).collect(),
        },
        Request::GetGroupMembers { .. } => Response::GroupMembers { members: vec![] },
        other => scripted::handshake(other).unwrap_or(Response::Done),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_after_my_join_and_pulled_by_its_catch_up_are_live() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let mut after_join = false;
        while let Some(Ok(Ws::Text(text))) = ws.next().await {
            let frame = ClientFrame::decode(&text).unwrap();
            let res = answer(&frame.req, after_join);
            let ok = ServerFrame::Ok { id: frame.id, res }.encode();
            ws.send(Ws::Text(ok.into())).await.unwrap();
            if matches!(frame.req, Request::Conversations) && !after_join {
                // The first sync is done: alice joins; both messages are
                // committed but never pushed to her.
                after_join = true;
                let push = ServerFrame::Push {
                    push: Push::Change(joined()),
                };
                ws.send(Ws::Text(push.encode().into())).await.unwrap();
            }
        }
    });

    let (client, mut rx, _dir) = scripted::alice_logs_in(addr).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        if let Event::NewMessage { message, live } =
            wait_for(&mut rx, |e| matches!(e, Event::NewMessage { .. })).await
        {
            seen.push((message.seq.unwrap().0, live));
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [(1, false), (2, true)],
        "history from before the join is backlog, the message sent after it is news"
    );
    client.close().await;
}
