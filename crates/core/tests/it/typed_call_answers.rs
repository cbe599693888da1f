//! Every request goes through tern-core's one typed `call`: the answer kind
//! tern-proto's command table names comes back as its fields, a refusal stays
//! `Error::Server` with the server's code and message, and an answer of another
//! kind is `Error::Protocol` naming the command, the kind it wanted and the one
//! it got. The real server never answers the wrong kind, so a scripted
//! WebSocket server plays it here.

use crate::scripted;

use futures_util::{SinkExt, StreamExt};
use tern_core::proto::{
    ClientFrame, ErrorCode, Profile, Request, Response, ServerFrame, UserId, WireError,
};
use tern_core::{Client, ClientConfig, Error, Event};
use tokio_tungstenite::tungstenite::Message as Ws;

fn profile(user: &UserId) -> Profile {
    Profile {
        user: user.clone(),
        nickname: "Bob B".into(),
        avatar: None,
        signature: String::new(),
    }
}

/// The scripted server's answer: right for the handshake and `get_profiles`,
/// a refusal for `search_users`, and `done` (the wrong kind) for `check_friends`.
fn answer(req: &Request) -> Result<Response, WireError> {
    if let Some(res) = scripted::handshake(req) {
        return Ok(res);
    }
    Ok(match req {
        Request::GetProfiles { users } => Response::Profiles {
            profiles: users.iter().map(profile).collect(),
        },
        Request::SearchUsers { .. } => {
            return Err(WireError::new(
                ErrorCode::InvalidArgument,
                "query: too short",
            ))
        }
        _ => Response::Done,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_refusals_and_wrong_kinds_come_back_typed() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        while let Some(Ok(Ws::Text(text))) = ws.next().await {
            let frame = ClientFrame::decode(&text).unwrap();
            let out = match answer(&frame.req) {
                Ok(res) => ServerFrame::Ok { id: frame.id, res },
                Err(err) => ServerFrame::Err {
                    id: Some(frame.id),
                    err,
                },
            };
            ws.send(Ws::Text(out.encode().into())).await.unwrap();
        }
    });

    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(ClientConfig::new(dir.path(), format!("ws://{addr}"))).unwrap();
    let alice = UserId::new("alice").unwrap();
    let mut events = client.subscribe();
    client.login(&alice, "password123").await.unwrap();
    // Calls before the session is connected answer `Offline`: wait for the first sync.
    let synced = async { while !matches!(events.recv().await, Ok(Event::SyncFinished { .. })) {} };
    tokio::time::timeout(std::time::Duration::from_secs(10), synced)
        .await
        .expect("the first sync finished");

    // The right kind: its fields.
    let bob = UserId::new("bob").unwrap();
    let got = client
        .get_profiles(std::slice::from_ref(&bob))
        .await
        .unwrap();
    assert_eq!(got, vec![profile(&bob)]);

    // A refusal keeps the server's code and message.
    let refused = client.search_users("b").await.unwrap_err();
    assert_eq!(
        refused,
        Error::Server(WireError::new(
            ErrorCode::InvalidArgument,
            "query: too short"
        ))
    );
    assert_eq!(refused.code(), Some(ErrorCode::InvalidArgument));

    // Another kind than the table's is a protocol error naming both kinds.
    let wrong = client.check_friends(&[bob]).await.unwrap_err();
    assert_eq!(
        wrong,
        Error::Protocol(
            "unexpected answer to check_friends: expected friend_check, got done".into()
        )
    );
    assert!(!wrong.is_transient());
    client.close().await;
}
