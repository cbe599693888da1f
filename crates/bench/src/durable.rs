//! The durable-relay baseline (`tern-bench durable-relay-server`): the least a server
//! must do that never acknowledges or forwards a message it has not saved.
//!
//! A client names itself with one first frame `{"hello":"<user id>"}` (answered
//! `{"t":"ok","id":0}` once registered), then sends
//! Tern's own `send` frames (decoded with tern-proto, as tern-server decodes them).
//! Each frame is appended to one log file by a single writer thread that takes
//! everything queued, writes it and calls `fdatasync` once (group commit, as
//! tern-server's SQLite writer commits a batch), and only then acknowledges the sender
//! (`{"t":"ok",…}`) and pushes the message to the other member of the one-to-one
//! conversation (`{"t":"push","push":{"kind":"message",…}}`) — the frames the load
//! generator classifies. No database, no indexes, no access checks, no sequence
//! numbers per conversation: what is left is the socket work, the parse and the disk
//! flush, i.e. the physical floor for a persisting relay on this machine.
//!
//! With `--sqlite` the writer stores each batch in tern-server's SQLite schema
//! instead (`crate::relay_store`): the floor for a server that keeps tern's rows in
//! SQLite, with nothing else of tern-server's work.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::relay_store::{Record, Store};

use anyhow::{bail, Result};
use futures_util::{SinkExt, StreamExt};
use tern_proto::{ClientFrame, Request, UserId};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

type Out = mpsc::UnboundedSender<Message>;
type Peers = Arc<Mutex<HashMap<UserId, Out>>>;

/// Most frames one group commit takes (tern-server's writer bounds its batches too).
const MAX_BATCH: usize = 1024;

/// One saved-then-delivered message.
struct Job {
    record: Record,
    id: u64,
    sender: Out,
    peer: Option<Out>,
}

/// The single writer: save (one `fdatasync` or commit), then ack and push, batch by batch.
fn writer(mut store: Store, jobs: std_mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let records: Vec<&Record> = batch.iter().map(|j| &j.record).collect();
        let seqs = match store.save(&records) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("durable relay: saving failed: {e:#}");
                return;
            }
        };
        for (j, seq) in batch.drain(..).zip(seqs) {
            let ok = format!(r#"{{"t":"ok","id":{},"res":{{"seq":{seq}}}}}"#, j.id);
            let _ = j.sender.send(Message::Text(ok.into()));
            if let Some(p) = j.peer {
                let push = format!(
                    r#"{{"t":"push","push":{{"kind":"message","seq":{seq},"frame":{}}}}}"#,
                    j.record.frame
                );
                let _ = p.send(Message::Text(push.into()));
            }
        }
        if let Err(e) = store.after_ack() {
            eprintln!("durable relay: merging the log failed: {e:#}");
            return;
        }
    }
}

/// Serves until killed; prints `durable-relay-server listening on <addr>` once bound.
/// The log file is created in a fresh temporary directory under the system's temp dir (where
/// tern-bench puts tern-server's data directory too), then unlinked while open.
pub(crate) fn run(sqlite: bool) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("tern-bench-relay-")
        .tempdir()?;
    let store = if sqlite {
        Store::sqlite(&dir.path().join("tern.db"))?
    } else {
        Store::file(&dir.path().join("messages.log"))?
    };
    // The server is ended by a kill, which runs no destructor: the directory and
    // the files' names go now (every S1/S2 run left ~0.5 GB behind before). The open
    // files are still written and synced on the same disk; their space is freed
    // when the process ends. (SQLite keeps its WAL and -shm files open too.)
    drop(dir);
    let (jobs, rx) = std_mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("relay-writer".into())
        .spawn(move || writer(store, rx))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "durable-relay-server listening on {}",
            listener.local_addr()?
        );
        std::io::stdout().flush()?;
        let peers: Peers = Arc::default();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(stream, peers.clone(), jobs.clone()));
        }
    })
}

async fn connection(stream: tokio::net::TcpStream, peers: Peers, jobs: std_mpsc::Sender<Job>) {
    let Ok(ws) =
        tokio_tungstenite::accept_async_with_config(stream, Some(crate::ws::ws_config())).await
    else {
        return;
    };
    let (mut tx, mut rx) = ws.split();
    let (out, mut queue) = mpsc::unbounded_channel::<Message>();
    // Writes what is queued, then flushes once (as tern-server's connection task does).
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
    let mut me: Option<UserId> = None;
    while let Some(Ok(msg)) = rx.next().await {
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let Some(user) = &me else {
            match hello(text.as_str()) {
                Some(u) => {
                    peers.lock().insert(u.clone(), out.clone());
                    me = Some(u);
                    // Registered: tell the client, so its peer can address it at once.
                    let _ = out.send(Message::Text(r#"{"t":"ok","id":0}"#.into()));
                }
                None => break,
            }
            continue;
        };
        let Ok(frame) = ClientFrame::decode(text.as_str()) else {
            break;
        };
        let Request::Send {
            conv,
            client_id,
            content,
            ..
        } = &frame.req
        else {
            continue;
        };
        let peer = conv
            .peer_of(user)
            .and_then(|p| peers.lock().get(p).cloned());
        let Ok(content) = serde_json::to_string(content) else {
            break;
        };
        let job = Job {
            record: Record {
                frame: text.as_str().to_owned(),
                conv: conv.to_string(),
                sender: user.to_string(),
                client_id: client_id.to_string(),
                content,
            },
            id: frame.id.0,
            sender: out.clone(),
            peer,
        };
        if jobs.send(job).is_err() {
            break;
        }
    }
    if let Some(u) = me {
        peers.lock().remove(&u);
    }
    writer.abort();
}

fn hello(text: &str) -> Option<UserId> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    UserId::new(v.get("hello")?.as_str()?).ok()
}

/// A load-generator connection to the relay, named `user`.
pub(crate) async fn connect_as(addr: std::net::SocketAddr, user: &UserId) -> Result<crate::ws::Ws> {
    let mut ws = crate::ws::connect(addr).await?;
    let hello = serde_json::json!({ "hello": user.as_str() }).to_string();
    if ws.send(Message::Text(hello.into())).await.is_err() {
        bail!("durable relay closed the connection");
    }
    // Wait until the relay has registered the name.
    match tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) if t.as_str().starts_with(r#"{"t":"ok""#) => Ok(ws),
        other => bail!("durable relay did not accept the hello: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sender's ack and the peer's push leave only after the record is in the file.
    #[test]
    fn ack_and_push_come_after_the_record_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let store = Store::file(&path).expect("create");
        let (jobs, rx) = std_mpsc::channel();
        let t = std::thread::spawn(move || writer(store, rx));
        let (sender, mut acks) = mpsc::unbounded_channel();
        let (peer, mut pushes) = mpsc::unbounded_channel();
        for id in 1..=3 {
            let record = Record {
                frame: format!(r#"{{"id":{id}}}"#),
                conv: "d:a:b".into(),
                sender: "a".into(),
                client_id: format!("c{id}"),
                content: "{}".into(),
            };
            jobs.send(Job {
                record,
                id,
                sender: sender.clone(),
                peer: Some(peer.clone()),
            })
            .expect("send");
        }
        for id in 1..=3u64 {
            let Some(Message::Text(ack)) = acks.blocking_recv() else {
                panic!("no ack")
            };
            assert!(
                ack.as_str()
                    .starts_with(&format!(r#"{{"t":"ok","id":{id},"#)),
                "{ack}"
            );
            let saved = std::fs::read_to_string(&path).expect("read");
            assert!(
                saved.contains(&format!(r#"{{"id":{id}}}"#)),
                "ack before the write: {saved:?}"
            );
            let Some(Message::Text(push)) = pushes.blocking_recv() else {
                panic!("no push")
            };
            assert!(
                push.as_str()
                    .starts_with(r#"{"t":"push","push":{"kind":"message""#),
                "{push}"
            );
        }
        drop(jobs);
        t.join().expect("writer");
    }
}
