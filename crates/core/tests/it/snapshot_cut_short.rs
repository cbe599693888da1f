//! A first sync's snapshot cut short — the connection lost after the friend
//! lists were stored but before the conversation settings came (what `tern-cli
//! login`, exiting right after its login, did to a new device: flaky in CI) —
//! is taken again whole on the next connection. Before, the cache had stored
//! the server's change-log version with the friend lists, so the next sync
//! followed the log from there and never asked for the settings.

use crate::common;
use crate::scripted;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tern_core::proto::{ClientFrame, ConversationId, Request, Response, ServerFrame, UserId};
use tern_core::{Client, ClientConfig, Event};
use tokio_tungstenite::tungstenite::Message as Ws;

/// The server's change-log version: above 0, so a new device takes a snapshot.
const VERSION: u64 = 7;

fn res(v: serde_json::Value) -> Response {
    serde_json::from_value(v).unwrap()
}

/// `None`: drop the connection instead of answering.
fn answer(req: &Request, connection: usize) -> Option<Response> {
    Some(match req {
        Request::Login { .. } | Request::Resume { .. } => res(json!({"kind": "session",
            "token": "t", "expires_at": 0, "version": VERSION,
            "profile": {"user": "alice", "nickname": "", "avatar": null, "signature": ""}})),
        Request::SyncChanges { .. } => {
            res(json!({"kind": "changes", "changes": [], "latest": VERSION}))
        }
        Request::GetFriends { .. } => res(json!({"kind": "friends", "friends": []})),
        Request::ListReceivedApplications | Request::ListSentApplications => {
            res(json!({"kind": "applications", "applications": []}))
        }
        Request::ListBlocked => res(json!({"kind": "blocked", "users": []})),
        Request::GetConvSettings if connection == 0 => return None,
        Request::GetConvSettings => res(json!({"kind": "conv_settings_list", "settings": [
            {"conv": "d:alice:bob", "pinned": 3, "muted": false, "muted_until": null,
             "archived": null, "draft": "hello there", "draft_at": 5, "cleared_seq": 0,
             "updated_at": 6}]})),
        Request::GetSettings => res(json!({"kind": "settings", "settings": {
            "notifications": true, "show_text": true, "sound": false, "dnd": null,
            "updated_at": 6}})),
        Request::GetGroups => res(json!({"kind": "groups", "groups": []})),
        other => scripted::handshake(other).unwrap_or(Response::Done),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_cut_short_is_taken_again_whole() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for connection in 0..3 {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            tokio::spawn(async move {
                while let Some(Ok(Ws::Text(text))) = ws.next().await {
                    let frame = ClientFrame::decode(&text).unwrap();
                    let Some(res) = answer(&frame.req, connection) else {
                        return; // the connection drops mid-snapshot
                    };
                    let ok = ServerFrame::Ok { id: frame.id, res };
                    if ws.send(Ws::Text(ok.encode().into())).await.is_err() {
                        break;
                    }
                }
            });
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ClientConfig::new(dir.path(), format!("ws://{addr}"));
    cfg.connection.backoff_initial_ms = 100;
    let client = Client::new(cfg).unwrap();
    let mut rx = client.subscribe();
    client
        .login(&UserId::new("alice").unwrap(), "password123")
        .await
        .unwrap();
    common::wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    let conv = ConversationId::parse("d:alice:bob").unwrap();
    let settings = client.conv_settings(&conv).await.unwrap();
    assert_eq!(
        (settings.pinned, settings.draft.as_str()),
        (Some(3), "hello there"),
        "the settings of the snapshot's second try"
    );
    assert!(!client.account_settings().await.unwrap().sound);
    client.close().await;
}
