//! What a scripted WebSocket server (standing in for tern-server where its
//! timing or its answers must be chosen by the test) answers to the requests
//! every login makes: `hello`, `login`, an empty change log and conversation
//! list, `ping`.

use futures_util::{SinkExt, StreamExt};
use tern_core::proto::{ClientFrame, Limits, Profile, Request, Response, ServerFrame};
use tokio_tungstenite::tungstenite::Message as Ws;

/// The answer to a handshake or first-sync request; `None` for the rest.
pub(crate) fn handshake(req: &Request) -> Option<Response> {
    Some(match req {
        Request::Hello { .. } => Response::Hello {
            version: 1,
            server: "scripted".into(),
            limits: Limits {
                max_frame_bytes: 65_536,
                max_text_chars: 8_000,
                max_page: 100,
                recall_window_secs: 120,
                edit_window_secs: 0,
                max_file_bytes: 0,
                max_group_members: 0,
                idle_timeout_secs: 60,
                max_forward_messages: 0,
                max_forward_targets: 0,
                max_forward_copies: 0,
                max_history_depth: 0,
                max_history_bytes: 0,
            },
        },
        Request::Login { user, .. } => Response::Session {
            token: "t".into(),
            expires_at: 0,
            profile: Profile {
                user: user.clone(),
                nickname: String::new(),
                avatar: None,
                signature: String::new(),
            },
            version: 0,
        },
        Request::SyncChanges { .. } => Response::Changes {
            changes: vec![],
            latest: 0,
        },
        Request::Conversations => Response::Conversations {
            conversations: vec![],
        },
        Request::Ping => Response::Pong { now: 0 },
        _ => return None,
    })
}

/// What a scripted server does with one request.
pub(crate) enum Reply {
    /// Answers it.
    Answer(Response),
    /// Leaves it unanswered; the connection stays open (a peer gone silent).
    Ignore,
    /// Drops the connection.
    Drop,
}

/// Accepts `connections` connections on `listener`, one after another, and
/// serves each on a task of its own: every request as `reply(request, the
/// connection's index)` says.
pub(crate) fn serve<F>(listener: tokio::net::TcpListener, connections: usize, reply: F)
where
    F: Fn(&Request, usize) -> Reply + Clone + Send + 'static,
{
    tokio::spawn(async move {
        for n in 0..connections {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            let reply = reply.clone();
            tokio::spawn(async move {
                while let Some(Ok(Ws::Text(text))) = ws.next().await {
                    let frame = ClientFrame::decode(&text).unwrap();
                    let res = match reply(&frame.req, n) {
                        Reply::Answer(res) => res,
                        Reply::Ignore => continue,
                        Reply::Drop => return,
                    };
                    let ok = ServerFrame::Ok { id: frame.id, res };
                    if ws.send(Ws::Text(ok.encode().into())).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
}

/// A fresh client (its data directory kept alive alongside) logged in as alice
/// to the scripted server at `addr`, with its events subscribed before the login;
/// it reconnects after 100 ms when a connection is lost.
pub(crate) async fn alice_logs_in(
    addr: std::net::SocketAddr,
) -> (
    tern_core::Client,
    tokio::sync::broadcast::Receiver<tern_core::Event>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = tern_core::ClientConfig::new(dir.path(), format!("ws://{addr}"));
    config.connection.backoff_initial_ms = 100;
    let client = tern_core::Client::new(config).unwrap();
    let rx = client.subscribe();
    client
        .login(
            &tern_core::proto::UserId::new("alice").unwrap(),
            "password123",
        )
        .await
        .unwrap();
    (client, rx, dir)
}
