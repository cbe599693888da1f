//! `tern-cli listen`: every event as one JSON object per line, until stopped, or
//! until the session ends (`kicked_offline`, `token_expired`: exit code 5).

use std::path::Path;

use tern_core::{Client, Event};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::output::{out, Failure};
use crate::session::resume;

/// True when stdin is something whose end means "stop" (a pipe, file or terminal),
/// not `/dev/null` (a detached process), whose immediate EOF would end at once.
fn stdin_can_stop() -> bool {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata("/dev/stdin") {
        Ok(m) => {
            !m.file_type().is_char_device() || std::io::IsTerminal::is_terminal(&std::io::stdin())
        }
        Err(_) => false,
    }
}

/// Resolves at EOF on stdin. The read runs on a plain thread, not through
/// `tokio::io::stdin`: tokio reads stdin on a blocking-pool thread it cannot
/// cancel, and the runtime's shutdown waits for it, so a `listen` ended by a kick
/// would hang for as long as its stdin stayed open. A plain thread dies with the
/// process.
async fn stdin_eof() {
    if !stdin_can_stop() {
        return std::future::pending().await;
    }
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("listen-stdin".into())
        .spawn(move || {
            use std::io::Read;
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let _ = tx.send(());
        });
    match spawned {
        // Also resolves if the thread died without sending.
        Ok(_) => {
            let _ = rx.await;
        }
        // No thread, no way to watch stdin: only signals and the session's end stop us.
        Err(_) => std::future::pending().await,
    }
}

async fn terminated() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

pub(crate) async fn run(client: &Client, dir: &Path) -> Result<(), Failure> {
    let mut events = client.subscribe();
    resume(client, dir).await?;
    let result = print_until_stopped(&mut events).await;
    client.close().await;
    result
}

/// Prints every event of `events` as a JSON line until SIGINT, SIGTERM, EOF
/// on stdin or the session's end (also used by `room join --listen`).
pub(crate) async fn print_until_stopped(events: &mut Receiver<Event>) -> Result<(), Failure> {
    let printing = async {
        loop {
            match events.recv().await {
                Ok(e @ (Event::KickedOffline { .. } | Event::TokenExpired { .. })) => {
                    // The session is over and tern-core will not reconnect: stop.
                    out(&e)?;
                    return Err(Failure::SessionEnded(serde_json::to_value(&e)?));
                }
                Ok(e) => out(&e)?,
                Err(RecvError::Lagged(n)) => {
                    out(&serde_json::json!({"type": "lagged", "missed": n}))?
                }
                Err(RecvError::Closed) => return Ok::<(), Failure>(()),
            }
        }
    };
    tokio::select! {
        r = printing => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = terminated() => Ok(()),
        _ = stdin_eof() => Ok(()),
    }
}
