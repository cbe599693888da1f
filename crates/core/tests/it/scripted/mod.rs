//! What a scripted WebSocket server (standing in for tern-server where its
//! timing or its answers must be chosen by the test) answers to the requests
//! every login makes: `hello`, `login`, an empty change log and conversation
//! list, `ping`.

use tern_core::proto::{Limits, Profile, Request, Response};

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

/// A fresh client (its data directory kept alive alongside) logged in as alice
/// to the scripted server at `addr`, with its events subscribed before the login.
pub(crate) async fn alice_logs_in(
    addr: std::net::SocketAddr,
) -> (
    tern_core::Client,
    tokio::sync::broadcast::Receiver<tern_core::Event>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let config = tern_core::ClientConfig::new(dir.path(), format!("ws://{addr}"));
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
