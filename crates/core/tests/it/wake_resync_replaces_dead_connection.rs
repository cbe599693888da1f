//! Wake from sleep: the socket still looks open but the server no longer answers.
//! `resync()` probes it, gives up quickly, reconnects and resyncs on a fresh connection.
//! A scripted server plays the silent peer (the real one cannot be made to hang).

use crate::common;
use crate::scripted;

use std::time::{Duration, Instant};

use common::{drain, wait_for};
use scripted::Reply;
use tern_core::proto::{Limits, Profile, Request, Response, UserId};
use tern_core::{ConnectionState, Event};

fn answer(req: &Request) -> Response {
    match req {
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
                max_forward_messages: 0,
                max_forward_targets: 0,
                max_forward_copies: 0,
                max_history_depth: 0,
                max_history_bytes: 0,
                idle_timeout_secs: 600,
            },
        },
        Request::Login { .. } | Request::Resume { .. } => Response::Session {
            token: "t".into(),
            expires_at: 0,
            profile: Profile {
                user: UserId::new("alice").unwrap(),
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
        _ => Response::Done,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_after_wake_reconnects_when_the_socket_is_dead() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (silence_tx, silence_rx) = tokio::sync::watch::channel(false);
    scripted::serve(listener, 2, move |req, n| {
        if n == 0 && *silence_rx.borrow() {
            Reply::Ignore // "asleep": the socket stays open, nothing answers
        } else {
            Reply::Answer(answer(req))
        }
    });
    let (client, mut rx, _dir) = scripted::alice_logs_in(addr).await;
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;

    silence_tx.send_replace(true);
    let woke = Instant::now();
    tokio::time::timeout(Duration::from_secs(15), client.resync())
        .await
        .expect("resync returns")
        .expect("resync succeeds on a new connection");
    let took = woke.elapsed();
    assert!(
        took < Duration::from_secs(8),
        "probe gave up quickly: {took:?}"
    );
    let events = drain(&mut rx, Duration::from_millis(200)).await;
    assert_eq!(
        client.connection_state(),
        ConnectionState::Online,
        "{events:?}"
    );
    eprintln!("wake-up resync on a dead socket took {took:?}");
    client.close().await;
}
