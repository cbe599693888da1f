//! A first sync's snapshot cut short — the connection lost after the friend
//! lists were stored but before the conversation settings came (what `tern-cli
//! login`, exiting right after its login, did to a new device: flaky in CI) —
//! is taken again whole on the next connection. Before, the cache had stored
//! the server's change-log version with the friend lists, so the next sync
//! followed the log from there and never asked for the settings.

use crate::common;
use crate::scripted;

use scripted::Reply;
use serde_json::json;
use tern_core::proto::{ConversationId, Request, Response};
use tern_core::Event;

/// The server's change-log version: above 0, so a new device takes a snapshot.
const VERSION: u64 = 7;

fn res(v: serde_json::Value) -> Response {
    serde_json::from_value(v).unwrap()
}

fn answer(req: &Request, connection: usize) -> Reply {
    Reply::Answer(match req {
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
        Request::GetConvSettings if connection == 0 => return Reply::Drop,
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
    scripted::serve(listener, 3, answer);
    let (client, mut rx, _dir) = scripted::alice_logs_in(addr).await;
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
