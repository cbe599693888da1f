//! Helpers for tests against a real tern-server on 127.0.0.1:0.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tern_core::proto::UserId;
use tern_core::{Client, ClientConfig, Event};
use tokio::sync::broadcast;

/// Upper bound of any single wait in these tests.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

pub(crate) fn uid(s: &str) -> UserId {
    UserId::new(s).unwrap()
}

/// A server config for tests in `dir/server`, optionally on a fixed address.
pub(crate) fn server_config(dir: &Path, addr: Option<SocketAddr>) -> tern_server::Config {
    let mut c = tern_server::Config::for_tests(dir.join("server"));
    if let Some(a) = addr {
        c.listen = a;
    }
    c
}

pub(crate) async fn start_server(dir: &Path) -> tern_server::ServerHandle {
    tern_server::spawn(server_config(dir, None)).await.unwrap()
}

/// Restarts on the same address (retrying while the port is released).
pub(crate) async fn restart_server(dir: &Path, addr: SocketAddr) -> tern_server::ServerHandle {
    for _ in 0..50 {
        match tern_server::spawn(server_config(dir, Some(addr))).await {
            Ok(s) => return s,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("could not restart the server on {addr}");
}

/// A client config with short timings so tests stay quick.
pub(crate) fn fast_config(data_dir: PathBuf, addr: SocketAddr) -> ClientConfig {
    let mut c = ClientConfig::new(data_dir, format!("ws://{addr}"));
    c.connection.request_timeout_ms = 3_000;
    c.connection.backoff_initial_ms = 100;
    c.connection.backoff_max_ms = 1_000;
    c.retry.max_age_ms = 3_000;
    c.retry.max_attempts = 3;
    c.retry.retry_delay_ms = 200;
    c
}

/// Registers `user` (password "password123") and logs in a fresh client for it.
pub(crate) async fn user(
    dir: &Path,
    addr: SocketAddr,
    name: &str,
) -> (Client, broadcast::Receiver<Event>) {
    let client = Client::new(fast_config(dir.join(name), addr)).unwrap();
    client.register(&uid(name), "password123").await.unwrap();
    let mut rx = client.subscribe();
    client.login(&uid(name), "password123").await.unwrap();
    wait_for(&mut rx, |e| matches!(e, Event::SyncFinished { .. })).await;
    (client, rx)
}

/// Waits for the first event matching `pred`, failing the test after [`WAIT`].
pub(crate) async fn wait_for(
    rx: &mut broadcast::Receiver<Event>,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let fut = async {
        loop {
            match rx.recv().await {
                Ok(e) if pred(&e) => return e,
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(n)) => panic!("lagged {n} events"),
                Err(e) => panic!("event stream ended: {e}"),
            }
        }
    };
    tokio::time::timeout(WAIT, fut)
        .await
        .expect("timed out waiting for an event")
}

/// Every event that arrives within `d`.
pub(crate) async fn drain(rx: &mut broadcast::Receiver<Event>, d: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + d;
    while let Ok(Ok(e)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        out.push(e);
    }
    out
}

/// Makes `a` and `b` friends.
pub(crate) async fn befriend(a: &Client, b: &Client, b_rx: &mut broadcast::Receiver<Event>) {
    let (an, bn) = (a.user().unwrap(), b.user().unwrap());
    a.apply_friend(&bn, "hi").await.unwrap();
    wait_for(b_rx, |e| matches!(e, Event::FriendApplicationAdded { .. })).await;
    b.accept_friend(&an).await.unwrap();
}

/// A signed-in client and its events.
pub(crate) type Session = (Client, broadcast::Receiver<Event>);

/// A fresh server (in the returned dir) with alice and bob signed in (not
/// friends), and alice's direct conversation with bob.
pub(crate) async fn alice_and_bob() -> (
    tempfile::TempDir,
    tern_server::ServerHandle,
    Session,
    Session,
    tern_core::proto::ConversationId,
) {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let addr = server.addr();
    let alice = user(dir.path(), addr, "alice").await;
    let bob = user(dir.path(), addr, "bob").await;
    let conv = alice.0.direct_conversation(&uid("bob")).unwrap();
    (dir, server, alice, bob, conv)
}

/// A valid RGB PNG of `w`×`h` (stored, uncompressed deflate).
pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend(data);
        out.extend(&c);
        out.extend(crc32(&c).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend([(x * 40) as u8, (y * 60) as u8, 200]);
        }
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    let mut z = vec![0x78, 0x01, 0x01];
    z.extend((raw.len() as u16).to_le_bytes());
    z.extend((!(raw.len() as u16)).to_le_bytes());
    z.extend(&raw);
    z.extend(((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}
