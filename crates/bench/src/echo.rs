//! The baseline: a raw tokio-tungstenite echo server (`tern-bench echo-server`),
//! with the same socket settings as tern-server's (buffer sizes, and TCP_NODELAY).

use anyhow::Result;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// Serves until killed; prints `echo-server listening on <addr>` once bound.
pub(crate) fn run() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("echo-server listening on {}", listener.local_addr()?);
        use std::io::Write;
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(_) => {
                    // Out of file descriptors or similar: back off briefly.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(
                    stream,
                    Some(crate::ws::ws_config()),
                )
                .await
                else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    let echo = matches!(msg, Message::Text(_) | Message::Binary(_));
                    if matches!(msg, Message::Close(_)) || (echo && ws.send(msg).await.is_err()) {
                        break;
                    }
                }
            });
        }
    })
}

/// S3's baseline (`tern-bench broadcast-server`): every text frame a connection sends
/// is forwarded, as is, to every other connection (one writer task per connection,
/// the frame shared, not copied; queued frames written with one flush). Same socket settings as the echo server.
pub(crate) fn run_broadcast() -> Result<()> {
    use std::collections::HashMap;
    use std::sync::Arc;

    use parking_lot::Mutex;
    use tokio::sync::mpsc;
    type Peers = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Message>>>>;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("broadcast-server listening on {}", listener.local_addr()?);
        use std::io::Write;
        std::io::stdout().flush()?;
        let peers: Peers = Arc::default();
        let mut next = 0u64;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            next += 1;
            let (me, peers) = (next, peers.clone());
            tokio::spawn(async move {
                let Ok(ws) = tokio_tungstenite::accept_async_with_config(
                    stream,
                    Some(crate::ws::ws_config()),
                )
                .await
                else {
                    return;
                };
                let (mut tx, mut rx) = ws.split();
                let (out, mut queue) = mpsc::unbounded_channel::<Message>();
                peers.lock().insert(me, out);
                // Writes what is queued, then flushes once (as tern-server's
                // connection task does), so a burst is not one syscall per frame.
                let writer = tokio::spawn(async move {
                    while let Some(m) = queue.recv().await {
                        if tx.feed(m).await.is_err() {
                            break;
                        }
                        while let Ok(m) = queue.try_recv() {
                            if tx.feed(m).await.is_err() {
                                return;
                            }
                        }
                        if tx.flush().await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(msg)) = rx.next().await {
                    match msg {
                        Message::Text(_) => {
                            for (id, p) in peers.lock().iter() {
                                if *id != me {
                                    let _ = p.send(msg.clone());
                                }
                            }
                        }
                        Message::Close(_) => break,
                        _ => {}
                    }
                }
                peers.lock().remove(&me);
                writer.abort();
            });
        }
    })
}
